import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { freeLoopbackPort } from './free-port.js';

// The demo's and the test run's own PostgreSQL when none answers on localhost (global-setup.ts).
const scratch = mkdtempSync(path.join(os.tmpdir(), 'embedded-postgres-test-'));
chmodSync(scratch, 0o755); // the server runs as the postgres OS user under root
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function query(config: pg.ClientConfig, sql: string): Promise<string> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string }>(sql);
    return rows[0]?.value ?? '';
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('with a password: scram-sha-256 refuses a wrong password, serves the right one on 127.0.0.1 only and no Unix socket, and keeps a persistent cluster across restarts', async () => {
    const dataDir = path.join(scratch, 'with-password');
    const port = await freeLoopbackPort();
    const password = 'correct horse battery staple';
    const server = await startEmbeddedPostgres({ dataDir, port, password, persistent: true });
    expect(server).toMatchObject({ url: `postgresql://postgres@127.0.0.1:${port}/postgres`, host: '127.0.0.1', port, user: 'postgres', password });
    const base = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    try {
      await expect(query({ ...base, password: 'wrong' }, 'SELECT 1 AS value')).rejects.toMatchObject({ code: '28P01' });
      expect(await query({ ...base, password }, `SELECT current_setting('listen_addresses') AS value`)).toBe('127.0.0.1');
      expect(await query({ ...base, password }, `SELECT current_setting('unix_socket_directories') AS value`)).toBe('');
      expect(await query({ ...base, password }, `SELECT string_agg(DISTINCT auth_method, ',') AS value FROM pg_hba_file_rules`)).toBe('scram-sha-256');
      await query({ ...base, password }, 'CREATE DATABASE kept');
    } finally {
      await server.stop();
    }
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);

    const again = await startEmbeddedPostgres({ dataDir, port, password, persistent: true });
    try {
      expect(await query({ ...base, password }, `SELECT count(*)::text AS value FROM pg_database WHERE datname = 'kept'`)).toBe('1');
    } finally {
      await again.stop();
    }
  });

  it('without a password: a trust server that is removed when stopped', async () => {
    const dataDir = path.join(scratch, 'trust');
    const port = await freeLoopbackPort();
    const server = await startEmbeddedPostgres({ dataDir, port });
    expect(server.password).toBeUndefined();
    try {
      expect(await query({ connectionString: server.url }, 'SELECT current_user AS value')).toBe('postgres');
    } finally {
      await server.stop();
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('names the data directory and the reason when the server cannot start', async () => {
    const port = await freeLoopbackPort();
    const first = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'first'), port });
    try {
      await expect(startEmbeddedPostgres({ dataDir: path.join(scratch, 'second'), port })).rejects.toThrow(
        `embedded PostgreSQL start on 127.0.0.1:${port} failed in ${path.join(scratch, 'second')}:`,
      );
    } finally {
      await first.stop();
    }
  });
});
