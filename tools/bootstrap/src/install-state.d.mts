export function installProblem(root: string): string | undefined;
export function pinnedNodeVersion(root: string): string | undefined;
