import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from '@fleetshift/sql-quote';
import { redactUrl } from '@fleetshift/telemetry/redact';
import { databaseUrlFor } from './database-url.js';

/** Every scratch database's name starts with this, so a leftover is recognisable (and droppable) by name. */
export const SCRATCH_DATABASE_PREFIX = 'fleetshift_scratch_';

export interface ScratchDatabaseOptions {
  /**
   * Goes into the name (fleetshift_scratch_<tag>_<random>), so one caller's scratch databases can be told
   * from another's on a shared server (a planner pod, a test file). Letters, digits and _ only.
   */
  tag?: string;
}

/** fleetshift_scratch_[<tag>_]<16 hex digits>. */
export function scratchDatabaseName(tag?: string): string {
  if (tag !== undefined && !/^[a-z0-9_]{1,20}$/.test(tag)) {
    throw new Error(`scratch database tag ${JSON.stringify(tag)} must be 1-20 of a-z, 0-9, _`);
  }
  return `${SCRATCH_DATABASE_PREFIX}${tag ? `${tag}_` : ''}${randomBytes(8).toString('hex')}`;
}

/**
 * Runs `fn` against a fresh, empty database on the server at `serverUrl` (a connection URL to any
 * database there, usually `postgres`), created from template0, and drops it afterwards — also when
 * `fn` throws — with WITH (FORCE) so a session left open cannot keep it alive.
 * `fn` gets a connected client and the database's URL (for tools that open their own connections).
 */
export async function withScratchDatabase<T>(
  serverUrl: string,
  fn: (client: pg.Client, url: string) => Promise<T>,
  opts: ScratchDatabaseOptions = {},
): Promise<T> {
  const name = scratchDatabaseName(opts.tag);
  const admin = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-scratch' });
  await admin.connect().catch((error: unknown) => {
    throw new Error(`cannot connect to the scratch PostgreSQL server ${redactUrl(serverUrl)}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
    const drop = () => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    let result: T;
    try {
      result = await runIn(databaseUrlFor(serverUrl, name), fn);
    } catch (error) {
      // The callback's error is the one worth reporting; a failing drop must not replace it.
      await drop().catch(() => undefined);
      throw error;
    }
    await drop();
    return result;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function runIn<T>(url: string, fn: (client: pg.Client, url: string) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'fleetshift-scratch' });
  await client.connect();
  try {
    // A scratch database is thrown away: durability of its commits buys nothing.
    await client.query('SET client_min_messages = warning; SET synchronous_commit = off');
    return await fn(client, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}
