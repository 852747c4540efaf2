import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

const migrationsDir = new URL('./migrations/', import.meta.url);
/** pg_advisory_lock key held while migrating, so that two schedulers starting at once take turns. */
const migrationLockKey = 0x466c5374; // "FlSt"

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered migrations shipped with the control store, in order (`NNNN_name.sql`). */
export async function listMigrations(): Promise<Migration[]> {
  const files = (await readdir(migrationsDir)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(new URL(file, migrationsDir), 'utf8'),
    })),
  );
}

/**
 * Applies the migrations not applied yet, each in its own transaction, under an advisory lock.
 * Returns the versions applied by this call (empty when the database was up to date).
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    try {
      return await applyPending(client, await listMigrations());
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    client.release();
  }
}

async function applyPending(client: pg.PoolClient, migrations: Migration[]): Promise<number[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    try {
      await client.query('BEGIN');
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new Error(`control-store migration ${migration.name} failed: ${(error as Error).message}`);
    }
    applied.push(migration.version);
  }
  return applied;
}
