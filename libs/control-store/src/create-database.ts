import pg from 'pg';
import { quoteIdent } from '@fleetshift/sql-quote';

/** SQLSTATEs of a CREATE DATABASE that lost a race with another creator. */
const alreadyCreated = new Set(['42P04', '23505']);

/**
 * Creates the database named in `url` when it does not exist, connecting to the server's `postgres`
 * database. Safe when two processes do it at once.
 */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error('the control database URL names no database');
  parsed.pathname = '/postgres';
  const client = new pg.Client({ connectionString: parsed.toString() });
  client.on('error', () => undefined); // a session lost (server restarting) fails the query in progress
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    return true;
  } catch (error) {
    if (alreadyCreated.has((error as { code?: string }).code ?? '')) return false;
    throw new Error(`cannot create control database ${JSON.stringify(database)}: ${(error as Error).message}`);
  } finally {
    await client.end();
  }
}
