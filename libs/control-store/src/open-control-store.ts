import pg from 'pg';
import { createDatabaseIfMissing } from './create-database.js';
import { migrate } from './migrate.js';

// bigint counts (count(*)) arrive as numbers: counts here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface ControlStoreOptions {
  /** Pool size; the scheduler needs few connections. */
  max?: number;
}

/** Creates the control database if missing, applies the migrations and returns a pool on it. */
export async function openControlStore(url: string, options: ControlStoreOptions = {}): Promise<pg.Pool> {
  await createDatabaseIfMissing(url);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  pool.on('error', () => undefined); // an idle client's error surfaces on the next query
  await migrate(pool);
  return pool;
}
