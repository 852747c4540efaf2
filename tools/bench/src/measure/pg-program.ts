import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * The real binary of a PostgreSQL client program (psql, pgbench) from `pg_config --bindir`: Debian's
 * /usr/bin/psql is a Perl wrapper that costs tens of milliseconds of CPU per start, which would be
 * charged to the "one psql per tenant" baselines. Falls back to the name (found on the PATH).
 */
export function pgProgram(name: 'psql' | 'pgbench'): string {
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const candidate = path.join(bindir, name);
    accessSync(candidate, constants.X_OK);
    return candidate;
  } catch {
    return name;
  }
}
