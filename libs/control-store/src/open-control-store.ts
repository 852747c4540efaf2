import pg from 'pg';
import { createDatabaseIfMissing } from './create-database.js';
import { migrate } from './migrate.js';
import { reportLostSessions } from './lost-sessions.js';

// bigint counts (count(*)) arrive as numbers: counts here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface ControlStoreOptions {
  /** Pool size; the scheduler needs few connections. */
  max?: number;
  /** `application_name` of the pool's sessions (seen in pg_stat_activity). */
  applicationName?: string;
  /** Told of every session lost under the pool (a database restart, a terminated backend); for logging. */
  onConnectionError?: (error: Error) => void;
  /**
   * The server ends a session of the pool that stays idle inside a transaction this long
   * (`idle_in_transaction_session_timeout`): the row locks of a process frozen mid-transaction are
   * released instead of blocking every other replica for good.
   */
  idleInTransactionTimeoutMs?: number;
}

/** Creates the control database if missing, applies the migrations and returns a pool on it. */
export async function openControlStore(url: string, options: ControlStoreOptions = {}): Promise<pg.Pool> {
  await createDatabaseIfMissing(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs,
  });
  reportLostSessions(pool, options.onConnectionError);
  await migrate(pool);
  return pool;
}
