import { builtinModules } from 'node:module';

/** The npm package an import specifier names: `pg`, `@grpc/grpc-js` for `@grpc/grpc-js/build/x`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * The packages a bundle imports that the image would not have: the runtime stage keeps only the root
 * package.json's `dependencies` (npm prune --omit=dev), so an import of a devDependency — or of a
 * package declared nowhere — works in the workspace and fails in the image. Node's built-ins are fine.
 */
export function packagesMissingAtRuntime(imports: Iterable<string>, dependencies: Record<string, string>): string[] {
  const missing = new Set<string>();
  for (const specifier of imports) {
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
    const name = packageOf(specifier);
    if (!(name in dependencies)) missing.add(name);
  }
  return [...missing].sort();
}
