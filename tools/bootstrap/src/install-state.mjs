// Plain Node, no dependency: this runs before node_modules exists.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Why node_modules does not match package-lock.json, or undefined when it does. npm records what it
 * installed in node_modules/.package-lock.json; every package the lock file names must be there with the
 * same version, integrity and source, and nothing else. An optional package that is absent is fine (it
 * is for another platform).
 */
export function installProblem(root) {
  const modules = path.join(root, 'node_modules');
  if (!existsSync(modules)) return 'node_modules is missing';
  const installedFile = path.join(modules, '.package-lock.json');
  if (!existsSync(installedFile)) return 'node_modules has no record of an npm install (.package-lock.json)';
  const wanted = readPackages(path.join(root, 'package-lock.json'));
  const installed = readPackages(installedFile);
  for (const [location, entry] of Object.entries(wanted)) {
    if (location === '') continue;
    const have = installed[location];
    if (!have) {
      if (entry.optional) continue;
      return `${location} is not installed`;
    }
    for (const field of ['version', 'integrity', 'resolved']) {
      if (have[field] !== entry[field]) {
        return `${location} is installed as ${have[field] ?? '(none)'}, package-lock.json wants ${entry[field] ?? '(none)'} (${field})`;
      }
    }
  }
  for (const location of Object.keys(installed)) {
    if (!(location in wanted)) return `${location} is installed but package-lock.json no longer has it`;
  }
  return undefined;
}

/** The Node version package-lock.json pins as the `node` devDependency (undefined when there is none). */
export function pinnedNodeVersion(root) {
  return readPackages(path.join(root, 'package-lock.json'))['node_modules/node']?.version;
}

function readPackages(file) {
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  if (!lock.packages || typeof lock.packages !== 'object') throw new Error(`${file} has no "packages" (lockfileVersion 2 or later is needed)`);
  return lock.packages;
}
