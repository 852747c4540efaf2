import type { ClientBase } from 'pg';
import type { CpuSource } from './cpu-source.js';
import { signalNames } from './signal-levels.js';

/** Transactions ended so far (committed + rolled back) over every database of the cluster. */
export async function readTransactionTotal(client: ClientBase): Promise<number> {
  const result = await client.query<{ xacts: number }>(
    'SELECT coalesce(sum(xact_commit + xact_rollback), 0)::float8 AS xacts FROM pg_stat_database',
  );
  return result.rows[0].xacts;
}

/** One reading of the transaction total and when it was taken (monotonic clock). */
export interface XactReading {
  xacts: number;
  atMs: number;
}

/**
 * Adds `next` to the readings and drops those no longer needed: the oldest kept is the newest one at
 * least `windowMs` before `next`, so the rate spans about one window. A total that went down (the
 * statistics were reset) starts the window over.
 */
export function slideWindow(readings: XactReading[], next: XactReading, windowMs: number): XactReading[] {
  const last = readings.at(-1);
  if (last && next.xacts < last.xacts) return [next];
  const kept = [...readings, next];
  while (kept.length > 2 && next.atMs - kept[1].atMs >= windowMs) kept.shift();
  return kept;
}

/** Transactions per second from the oldest to the newest reading; 0 with fewer than two or no time between. */
export function transactionRate(readings: XactReading[]): number {
  const first = readings[0];
  const last = readings.at(-1);
  if (!first || !last || last.atMs <= first.atMs) return 0;
  return Math.max(0, (last.xacts - first.xacts) / ((last.atMs - first.atMs) / 1000));
}

export interface PgStatsOptions {
  /** The rate spans about this long (default 5 s): the statistics reach pg_stat_database in bursts of up to a second. */
  windowMs?: number;
  /** The window the first read measures over (default 1 s, for the same reason). */
  firstWindowMs?: number;
}

/**
 * For a cluster with neither /proc nor Prometheus: the cluster's transaction rate (transactions ended per
 * second over every database, from pg_stat_database), read through the sampling session. It is NOT a
 * CPU percentage and goes into its own signal, xact_rate, with its own levels; together with
 * active_sessions_per_core (which every cluster has) it stands in for the CPU. The rollout's own
 * transactions and the monitor's few per sample are counted too.
 */
export function pgStatsCpuSource(options: PgStatsOptions = {}): CpuSource {
  const { windowMs = 5000, firstWindowMs = 1000 } = options;
  let readings: XactReading[] = [];
  return {
    kind: 'pg-stats',
    signal: signalNames.xactRate,
    async read(context) {
      if (!context) throw new Error('the pg-stats source needs the cluster\'s sampling session');
      const take = async (): Promise<XactReading> => ({ xacts: await context.session.use(readTransactionTotal), atMs: performance.now() });
      if (readings.length === 0) {
        readings = [await take()];
        await new Promise((resolve) => setTimeout(resolve, firstWindowMs));
      }
      readings = slideWindow(readings, await take(), windowMs);
      return transactionRate(readings);
    },
  };
}
