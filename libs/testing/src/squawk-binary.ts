import { createRequire } from 'node:module';
import path from 'node:path';
import { executableIn, onPath } from './executable.js';

/** squawk-cli publishes its binary as one package per platform: @squawk-cli/linux-x64, darwin-arm64 … */
export const squawkPlatformPackage = `@squawk-cli/${process.platform}-${process.arch}`;

let found: string | undefined;

/**
 * The squawk binary (the SQL migration linter the corpus test runs on every plan): the one in the
 * installed @squawk-cli/<platform>-<arch> package, else `squawk` on the PATH. Throws one line naming both.
 */
export function squawkBinary(): string {
  found ??= fromPackage() ?? onPath('squawk');
  if (!found) {
    throw new Error(`squawk not found: ${squawkPlatformPackage} is not installed (npm ci) and there is no squawk on the PATH`);
  }
  return found;
}

function fromPackage(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${squawkPlatformPackage}/package.json`);
    return executableIn(path.join(path.dirname(manifest), 'bin'), 'squawk');
  } catch {
    return undefined;
  }
}
