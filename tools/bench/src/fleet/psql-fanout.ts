import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { databaseUrl, pgBinary } from '@fleetshift/testing';
import { quoteIdent } from '@fleetshift/sql-quote';
import { naiveMigration } from './fleet-blueprint.js';
import type { Fleet } from './fleet.js';
import type { WayOutcome } from './way.js';

/**
 * The plain migration file run by one psql process per tenant, `parallel` at a time, through
 * `xargs -P`: `psql -X -v ON_ERROR_STOP=1 --single-transaction -d <tenant> -f migration.sql`, with
 * `SET search_path TO <schema>` first in schema isolation. A last `\echo <tenant>` (still inside the
 * single transaction, just before psql's COMMIT) tells when each tenant is done; a tenant that fails
 * prints nothing there and psql exits non-zero.
 */
export async function psqlFanout(fleet: Fleet, parallel: number): Promise<WayOutcome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetshift-bench-psql-'));
  try {
    const file = path.join(dir, 'migration.sql');
    await writeFile(file, naiveMigration);
    // One input line per tenant: the quoted schema (schema isolation) or the tenant database's URL.
    const lines = new Map(fleet.tenants.map((t) => [t.schema ? quoteIdent(t.schema) : databaseUrl(fleet.serverUrl, t.database), t.id] as const));
    const target =
      fleet.kind === 'schema'
        ? ['-d', databaseUrl(fleet.serverUrl, fleet.blueprint), '-c', 'SET search_path TO {}']
        : ['-d', '{}'];
    const args = ['-d', '\\n', '-P', String(parallel), '-I', '{}', pgBinary('psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', ...target, '-f', file, '-c', '\\echo {}'];
    const finishes: number[] = [];
    const errors: string[] = [];
    const startedAt = Date.now();
    const xargs = spawn('xargs', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PGAPPNAME: 'bench-psql' } });
    createInterface({ input: xargs.stdout }).on('line', (line) => {
      if (lines.has(line)) finishes.push(Date.now());
    });
    createInterface({ input: xargs.stderr }).on('line', (line) => {
      if (errors.length < 1000) errors.push(line);
    });
    xargs.stdin.end([...lines.keys()].join('\n') + '\n');
    const code = await new Promise<number | null>((resolve, reject) => {
      xargs.on('error', reject);
      xargs.on('close', resolve);
    });
    const finishedAt = Date.now();
    const firstError = errors.find((l) => /ERROR|FATAL|could not/.test(l));
    return {
      startedAt,
      finishedAt,
      finishes,
      note: `xargs exit ${code}${firstError ? `; first error: ${firstError.slice(0, 160)}` : ''}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
