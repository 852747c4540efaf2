import pg from 'pg';
import { databaseUrl } from '@fleetshift/testing';
import { quoteIdent } from '@fleetshift/sql-quote';

/** A long application transaction holding what an open UPDATE holds on one table. */
export interface LockHolder {
  /** Epoch ms at which the first session other than the application (the migration) queued behind it; undefined until then. */
  blockedAt(): number | undefined;
  /** Resolves when a migration session waits behind the holder (polling pg_stat_activity), or after timeoutMs with false. */
  waitUntilBlocking(timeoutMs: number): Promise<boolean>;
  /** Ends a wait of waitUntilBlocking early (the migration finished without reaching the table). */
  giveUp(): void;
  /** COMMIT: the application transaction ends. */
  release(): Promise<number>;
}

/**
 * BEGIN; LOCK TABLE <schema>.<table> IN ROW EXCLUSIVE MODE — the lock an UPDATE takes — and keep the
 * transaction open until release(). Any DDL on the table queues behind it (and the application's next
 * statements on the table queue behind that DDL).
 */
export async function holdRowExclusive(serverUrl: string, database: string, schema: string, table: string, appName: string): Promise<LockHolder> {
  const url = databaseUrl(serverUrl, database);
  const holder = new pg.Client({ connectionString: url, application_name: `${appName}-long-transaction` });
  const watcher = new pg.Client({ connectionString: url, application_name: 'fleetshift-bench-watch' });
  await holder.connect();
  await watcher.connect();
  const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0].pid;
  await holder.query(`BEGIN; LOCK TABLE ${quoteIdent(schema)}.${quoteIdent(table)} IN ROW EXCLUSIVE MODE`);
  let blockedAt: number | undefined;
  let givenUp = false;
  return {
    blockedAt: () => blockedAt,
    giveUp: () => {
      givenUp = true;
    },
    async waitUntilBlocking(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (blockedAt === undefined && !givenUp && Date.now() < deadline) {
        const waiting = await watcher.query(
          `SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) AND application_name <> $2`,
          [pid, appName],
        );
        if (waiting.rowCount) blockedAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return blockedAt !== undefined;
    },
    async release() {
      await holder.query('COMMIT');
      const releasedAt = Date.now();
      await holder.end();
      await watcher.end();
      return releasedAt;
    },
  };
}
