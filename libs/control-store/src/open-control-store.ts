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
}

/** Creates the control database if missing, applies the migrations and returns a pool on it. */
export async function openControlStore(url: string, options: ControlStoreOptions = {}): Promise<pg.Pool> {
  await createDatabaseIfMissing(url);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, application_name: options.applicationName });
  reportLostSessions(pool, options.onConnectionError);
  await migrate(pool);
  return pool;
}
