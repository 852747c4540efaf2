import pg from 'pg';

/** Limits that keep a load run from outliving its purpose, whatever it is asked. */
export const cpuLoadLimits = { maxConnections: 16, maxDurationMs: 10 * 60_000 } as const;

export interface CpuLoadOptions {
  /** A loopback PostgreSQL URL (127.0.0.1, localhost or ::1); anything else is refused. */
  url: string;
  /** Parallel sessions, each running one CPU-heavy query after the other (1–16). */
  connections: number;
  /** The run stops by itself after this long (at most 10 minutes). */
  durationMs: number;
  /** Optional cap on the number of queries over all sessions. */
  maxQueries?: number;
  /** Rows counted by one query: `SELECT count(*) FROM generate_series(1, rows)` (default 2,000,000). */
  rowsPerQuery?: number;
}

export interface CpuLoadResult {
  queries: number;
  startedAt: Date;
  stoppedAt: Date;
}

export interface CpuLoad {
  /** Resolves when the run has stopped (duration over, query cap reached, or stop()). */
  done: Promise<CpuLoadResult>;
  /** Stops early: cancels the queries in flight and closes the sessions. */
  stop(): Promise<CpuLoadResult>;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const loadApplicationName = 'bench-cpu-load';

/**
 * A bounded CPU load on a local PostgreSQL: `connections` sessions each run
 * `SELECT count(*) FROM generate_series(1, rows)` (no parallel workers) back to back until the
 * duration is over. Every statement is bounded by the time left, and stop() cancels those in flight.
 */
export function startCpuLoad(options: CpuLoadOptions): CpuLoad {
  assertBounded(options);
  const rows = options.rowsPerQuery ?? 2_000_000;
  const startedAt = new Date();
  const deadline = startedAt.getTime() + options.durationMs;
  let queries = 0;
  let stopping = false;
  const clients: pg.Client[] = [];
  const pids: number[] = [];

  const worker = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: options.url, application_name: loadApplicationName });
    clients.push(client);
    client.on('error', () => undefined);
    await client.connect();
    const { rows: [{ pid }] } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    pids.push(pid);
    await client.query('SET max_parallel_workers_per_gather = 0');
    try {
      while (!stopping && Date.now() < deadline && (options.maxQueries === undefined || queries < options.maxQueries)) {
        queries += 1;
        const left = Math.max(1, deadline - Date.now());
        await client.query(`SET statement_timeout = ${Math.ceil(left)}`);
        await client.query('SELECT count(*) FROM generate_series(1, $1::bigint)', [rows]).catch((error: { code?: string }) => {
          // 57014: canceled by the deadline or stop(); anything else is a real failure.
          if (error.code !== '57014') throw error;
        });
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  const workers = Array.from({ length: options.connections }, () => worker());
  const done = Promise.all(workers).then(() => ({ queries, startedAt, stoppedAt: new Date() }));
  done.catch(() => undefined);

  return {
    done,
    async stop() {
      stopping = true;
      if (pids.length > 0) {
        const admin = new pg.Client({ connectionString: options.url, application_name: loadApplicationName });
        await admin.connect();
        try {
          await admin.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
        } finally {
          await admin.end();
        }
      }
      return done;
    },
  };
}

function assertBounded(options: CpuLoadOptions): void {
  const host = new URL(options.url).hostname;
  if (!loopbackHosts.has(host)) throw new Error(`CPU load runs only against a loopback PostgreSQL, not ${host}`);
  if (!Number.isInteger(options.connections) || options.connections < 1 || options.connections > cpuLoadLimits.maxConnections) {
    throw new Error(`connections must be 1–${cpuLoadLimits.maxConnections}`);
  }
  if (!(options.durationMs > 0) || options.durationMs > cpuLoadLimits.maxDurationMs) {
    throw new Error(`duration must be more than 0 and at most ${cpuLoadLimits.maxDurationMs} ms`);
  }
}
