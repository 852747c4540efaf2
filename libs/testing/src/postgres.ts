import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactUrl } from '@fleetshift/telemetry';
import { startContainer } from './container.js';
import { waitFor } from './wait-for.js';

export const localPostgresUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

let serverUrl: Promise<string> | undefined;

/**
 * The URL of a PostgreSQL server for tests (maintenance database): PG_URL when set (`npm test` sets it to
 * the embedded PostgreSQL it starts when nothing answers on localhost: global-setup.ts), else the server
 * on localhost:5432, else a testcontainers PostgreSQL where a Docker engine exists. Throws one clear line
 * naming what it tried when none is reachable.
 */
export function findPostgres(): Promise<string> {
  serverUrl ??= locatePostgres();
  return serverUrl;
}

async function locatePostgres(): Promise<string> {
  const candidates = process.env.PG_URL ? [process.env.PG_URL] : [localPostgresUrl];
  for (const url of candidates) {
    if (await canConnect(url)) return url;
  }
  if (process.env.PG_URL) {
    throw new Error(`PostgreSQL not reachable at PG_URL=${redactUrl(process.env.PG_URL)}`);
  }
  const container = await startContainer('postgres:16-alpine', 5432, { POSTGRES_HOST_AUTH_METHOD: 'trust' });
  if (container) {
    const url = `postgresql://postgres@${container.host}:${container.port}/postgres`;
    if (await waitUntilConnectable(url)) return url;
  }
  throw new Error(
    `PostgreSQL not reachable: set PG_URL, or start one on 127.0.0.1:5432, or run a Docker engine for testcontainers`,
  );
}

export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitUntilConnectable(url: string): Promise<boolean> {
  return waitFor('PostgreSQL accepting connections', () => canConnect(url), { timeoutMs: 30_000, intervalMs: 250 }).then(() => true, () => false);
}

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** The server's maintenance URL (to create more databases). */
  serverUrl: string;
  drop(): Promise<void>;
}

/** Creates a throwaway database (fs_test_<prefix>_<random>); drop() removes it even with open sessions. */
export async function createTestDatabase(prefix = 'db'): Promise<TestDatabase> {
  const server = await findPostgres();
  const name = `fs_test_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE "${name}"`);
  return {
    url: databaseUrl(server, name),
    name,
    serverUrl: server,
    drop: () => adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** The same server URL pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
