import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** `file` when it exists and may be executed, else undefined. */
export function executable(file: string): string | undefined {
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

/** The program `name` in directory `dir` (with .exe on Windows), when it is there and executable. */
export function executableIn(dir: string, name: string): string | undefined {
  return executable(path.join(dir, process.platform === 'win32' ? `${name}.exe` : name));
}

/** The first executable `name` in the PATH's directories, as a shell would find it. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const found = dir ? executableIn(dir, name) : undefined;
    if (found) return found;
  }
  return undefined;
}
