import { execFileSync } from 'node:child_process';
import { executableIn, onPath } from './executable.js';

const found = new Map<string, string>();

/**
 * The path of a PostgreSQL client program (`psql`, `pg_dump` …) for tests that run one: first in
 * `pg_config --bindir`, which names the real binary (Debian's /usr/bin/psql is the pg_wrapper Perl
 * script, ~30 ms of CPU per call), then on the PATH. Throws one line naming where it looked.
 */
export function pgBinary(name: string): string {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`pgBinary: ${JSON.stringify(name)} is not a PostgreSQL program name (psql, pg_dump …)`);
  let binary = found.get(name);
  if (binary === undefined) {
    const bindir = pgConfigBindir();
    binary = (bindir && executableIn(bindir, name)) || onPath(name);
    if (!binary) {
      throw new Error(
        `${name} not found in ${bindir ? `pg_config --bindir (${bindir}) nor on the PATH` : 'the PATH (and no pg_config there)'}: install the PostgreSQL client (e.g. postgresql-client-15)`,
      );
    }
    found.set(name, binary);
  }
  return binary;
}

function pgConfigBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
