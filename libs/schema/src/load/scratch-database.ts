import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from '../sql/quote.js';
import { databaseUrlFor } from './database-url.js';

/** Every scratch database's name starts with this, so a leftover is recognisable (and droppable) by name. */
export const SCRATCH_DATABASE_PREFIX = 'fleetshift_scratch_';

/**
 * Runs `fn` against a fresh, empty database on the server at `serverUrl` (a connection URL to any
 * database there, usually `postgres`), created from template0, and drops it afterwards — also when
 * `fn` throws — with WITH (FORCE) so a session left open cannot keep it alive.
 * `fn` gets a connected client and the database's URL (for tools that open their own connections).
 */
export async function withScratchDatabase<T>(
  serverUrl: string,
  fn: (client: pg.Client, url: string) => Promise<T>,
): Promise<T> {
  const name = `${SCRATCH_DATABASE_PREFIX}${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-scratch' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
    try {
      return await runIn(databaseUrlFor(serverUrl, name), fn);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function runIn<T>(url: string, fn: (client: pg.Client, url: string) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'fleetshift-scratch' });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    return await fn(client, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}
