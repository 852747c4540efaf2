/**
 * The services the container image runs (deploy/Dockerfile, deploy/k8s). The CLI and the web console
 * are not in it: the CLI runs on an operator's machine, the console next to them (docs/security.md).
 */
export const deployedApps = ['planner', 'scheduler', 'executor', 'health-monitor'] as const;
export type DeployedApp = (typeof deployedApps)[number];

/**
 * Files read at run time through `new URL('./…', import.meta.url)`, by the module that reads them
 * (workspace-relative), with the paths it asks for. Bundled, every module's import.meta.url becomes the
 * bundle's, so each of these is copied next to `dist/<app>/main.js` at the same relative path. A bundled
 * module that uses import.meta.url and is not listed here fails the build: its files would be missing
 * in the image, and only at run time.
 */
export const runtimeFiles: Record<string, string[]> = {
  'libs/contracts/src/descriptor-set.ts': ['gen/descriptor-set.binpb'],
  'libs/control-store/src/migrate.ts': ['migrations'],
};
