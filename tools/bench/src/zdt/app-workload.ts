import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { databaseUrl, pgBinary } from '@fleetshift/testing';
import type { Fleet } from '../fleet/fleet.js';

/** One application transaction as pgbench logged it. */
export interface AppTransaction {
  /** Which script (0: random tenant, 1: the one tenant of `focusTenant`). */
  script: number;
  /** Epoch ms the transaction completed. */
  endAt: number;
  /** Ms from its scheduled start (the rate schedule) to its end: what a user waiting for it sees. */
  latencyMs: number;
  failed: boolean;
}

export interface AppWorkloadResult {
  transactions: AppTransaction[];
  /** Lines pgbench wrote on stderr about failed statements or aborted clients, with when they came. */
  errors: Array<{ at: number; line: string }>;
}

export interface AppWorkload {
  /** Stops pgbench (SIGINT) and reads its per-transaction log. */
  stop(): Promise<AppWorkloadResult>;
}

export interface AppWorkloadOptions {
  /** Transactions per second over all clients (pgbench -R): well below what the server can do. */
  rate: number;
  clients: number;
  /** Also address this tenant (by its number) in a second script, one transaction in `focusEvery`. */
  focusTenant?: number;
  focusEvery?: number;
}

/**
 * The application transaction: two reads, one update, one insert on a random tenant's tables in schema
 * isolation (`t:tid.orders` → t17.orders). Short, index-backed (primary keys), never touching a column
 * the change set adds.
 */
export function appScript(tenant: string, users: number, orders: number): string {
  return [
    tenant,
    `\\set uid random(1, ${users})`,
    `\\set oid random(1, ${orders})`,
    'BEGIN;',
    'SELECT name, email FROM t:tid.users WHERE id = :uid;',
    'SELECT total_cents, status FROM t:tid.orders WHERE id = :oid;',
    "UPDATE t:tid.orders SET status = 'paid' WHERE id = :oid;",
    "INSERT INTO t:tid.orders (user_id, total_cents, status) VALUES (:uid, 100, 'new');",
    'END;',
    '',
  ].join('\n');
}

/**
 * Starts `pgbench -n -M simple -c <clients> -R <rate> -l` against the fleet's database (schema
 * isolation) until stop(); the log gives every transaction's latency, measured from its scheduled
 * start. SIGINT loses pgbench's last buffered log lines (a few KB per thread), so stop a few seconds
 * after the period of interest.
 */
export async function startAppWorkload(fleet: Fleet, options: AppWorkloadOptions): Promise<AppWorkload> {
  if (fleet.kind !== 'schema') throw new Error('the application workload addresses tenants as t<n>.<table>: schema isolation only');
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetshift-bench-app-'));
  const users = Math.max(1, Math.floor(fleet.rows / 10));
  const scripts = [path.join(dir, 'app.sql')];
  await writeFile(scripts[0]!, appScript(`\\set tid random(1, ${fleet.tenants.length})`, users, fleet.rows));
  const weights = [`${scripts[0]}@${options.focusTenant ? (options.focusEvery ?? 10) - 1 : 1}`];
  if (options.focusTenant) {
    scripts.push(path.join(dir, 'focus.sql'));
    await writeFile(scripts[1]!, appScript(`\\set tid ${options.focusTenant}`, users, fleet.rows));
    weights.push(`${scripts[1]}@1`);
  }
  const args = [
    '-n', '-M', 'simple', '-c', String(options.clients), '-j', '2', '-R', String(options.rate), '-T', '3600',
    '-l', `--log-prefix=${path.join(dir, 'tx')}`, ...weights.flatMap((w) => ['-f', w]),
    databaseUrl(fleet.serverUrl, fleet.blueprint),
  ];
  const pgbench = spawn(pgBinary('pgbench'), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGAPPNAME: 'pgbench' } });
  const errors: Array<{ at: number; line: string }> = [];
  createInterface({ input: pgbench.stderr }).on('line', (line) => {
    if (/error|abort|fatal/i.test(line) && errors.length < 1000) errors.push({ at: Date.now(), line });
  });
  const exited = new Promise<void>((resolve) => pgbench.on('close', () => resolve()));
  return {
    async stop() {
      pgbench.kill('SIGINT');
      await exited;
      try {
        const transactions: AppTransaction[] = [];
        for (const file of (await readdir(dir)).filter((f) => f.startsWith('tx.'))) {
          transactions.push(...parsePgbenchLog(await readFile(path.join(dir, file), 'utf8')));
        }
        return { transactions: transactions.sort((a, b) => a.endAt - b.endAt), errors };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * pgbench's per-transaction log: `client_id transaction_no time script_no time_epoch time_us
 * [schedule_lag]`, time in µs from the scheduled start under -R (`failed` for a failed one). A line cut
 * short by the stop is skipped.
 */
export function parsePgbenchLog(text: string): AppTransaction[] {
  const out: AppTransaction[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [time, script, epoch, us] = [f[2]!, Number(f[3]), Number(f[4]), Number(f[5])];
    if (!Number.isFinite(script) || !Number.isFinite(epoch) || !Number.isFinite(us)) continue;
    const failed = time === 'failed';
    if (!failed && !/^\d+$/.test(time)) continue;
    out.push({ script, endAt: epoch * 1000 + us / 1000, latencyMs: failed ? 0 : Number(time) / 1000, failed });
  }
  return out;
}
