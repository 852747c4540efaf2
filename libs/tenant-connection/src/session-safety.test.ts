import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySessionSafety, defaultSessionSafety, sessionSafetyConfig } from './session-safety.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('tc_safety');
});
afterAll(async () => {
  await db.drop();
});

async function connect(applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url, application_name: applicationName, ...sessionSafetyConfig(defaultSessionSafety) });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe('session safety (real PostgreSQL)', () => {
  it('sets the timeouts and keepalives on the session in one query; the PostgreSQL 14+ ones where the server has them', async () => {
    const client = await connect('fleetshift-test-safety');
    try {
      const applied = await applySessionSafety(client, { ...defaultSessionSafety, idleInTransactionTimeoutMs: 7_000, idleSessionTimeoutMs: 90_000, connectionCheckIntervalMs: 3_000, keepAliveIdleMs: 12_000, keepAliveIntervalMs: 4_000, keepAliveCount: 4 });
      const { rows } = await client.query<{ version: string; idle_tx: string; ka_idle: string; ka_interval: string; ka_count: string; unix_socket: boolean }>(
        `SELECT current_setting('server_version_num') AS version,
                current_setting('idle_in_transaction_session_timeout') AS idle_tx,
                current_setting('tcp_keepalives_idle') AS ka_idle,
                current_setting('tcp_keepalives_interval') AS ka_interval,
                current_setting('tcp_keepalives_count') AS ka_count,
                inet_client_addr() IS NULL AS unix_socket`,
      );
      const row = rows[0]!;
      expect(applied.serverVersionNum).toBe(Number(row.version));
      expect(row.idle_tx).toBe('7s');
      // The server ignores TCP keepalive settings on a Unix-domain socket (they read 0 there).
      if (!row.unix_socket) {
        expect([row.ka_idle, row.ka_interval, row.ka_count]).toEqual(['12', '4', '4']);
      }
      const pg14 = applied.serverVersionNum >= 140000;
      expect(applied.connectionCheck).toBe(pg14);
      expect(applied.idleSessionTimeout).toBe(pg14);
      if (pg14) {
        const more = await client.query<{ check: string; idle: string }>(
          "SELECT current_setting('client_connection_check_interval') AS check, current_setting('idle_session_timeout') AS idle",
        );
        expect(more.rows[0]).toEqual({ check: '3s', idle: '90s' });
      }
    } finally {
      await client.end();
    }
  });

  it('idle_session_timeout 0 leaves the server default in place', async () => {
    const client = await connect('fleetshift-test-safety');
    try {
      const applied = await applySessionSafety(client, { ...defaultSessionSafety, idleSessionTimeoutMs: 0 });
      expect(applied.idleSessionTimeout).toBe(false);
    } finally {
      await client.end();
    }
  });

  it('a session whose client goes quiet inside a transaction is ended by the server, and its ACCESS EXCLUSIVE lock released', async () => {
    const frozen = await connect('fleetshift-test-frozen');
    const app = await connect('fleetshift-test-app');
    try {
      await applySessionSafety(frozen, { ...defaultSessionSafety, idleInTransactionTimeoutMs: 300 });
      await frozen.query('CREATE TABLE IF NOT EXISTS held (id int)');
      const pid = (await frozen.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await frozen.query('BEGIN');
      await frozen.query('LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
      // The client now sends nothing, like a frozen process: the application's query waits behind the lock
      // only until the server ends the idle transaction.
      const counted = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM held');
      expect(counted.rows[0]!.n).toBe(0);
      await waitFor('the idle-in-transaction session to be gone', async () => {
        const { rows } = await app.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        return rows.length === 0;
      });
    } finally {
      await frozen.end().catch(() => undefined);
      await app.end();
    }
  });
});
