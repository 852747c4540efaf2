import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import { openControlStore, withTransaction } from './index.js';

// A control-database restart ends every session of the pool, including those checked out in a
// transaction. pg emits 'error' on such a client, and a checked-out client has no pool listener: without
// one of ours that error was an uncaught exception, and the scheduler process exited (seen in chaos runs
// with control-db-restart). Here the sessions are ended by pg_terminate_backend, as the restart does.
let database: TestDatabase;
let pool: pg.Pool;
let admin: pg.Client;
const reported: Error[] = [];
const appName = 'fleetshift-control-store-test';

beforeAll(async () => {
  database = await createTestDatabase('lost_conn');
  pool = await openControlStore(database.url, { applicationName: appName, onConnectionError: (error) => void reported.push(error) });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await pool?.end();
  await database?.drop();
});

const terminatePoolSessions = async () =>
  (await admin.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
    [appName],
  )).rows[0].n;

describe('a control-store session ended under the pool', () => {
  it('inside a transaction, idle between statements: the error is reported, not thrown, and the pool goes on', async () => {
    reported.length = 0;
    const outcome = withTransaction(pool, async (client) => {
      await client.query('SELECT 1');
      // Idle in the transaction while the session is ended from outside.
      expect(await terminatePoolSessions()).toBeGreaterThanOrEqual(1);
      await waitFor('the lost session reported', () => reported.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
      await client.query('SELECT 1');
    });
    // The next statement fails at once: the client knows its session is gone.
    await expect(outcome).rejects.toThrow(/not queryable/);
    expect(reported.map((e) => e.message).join('; ')).toMatch(/terminat/i);
    // The broken client went back to the pool as an error and was dropped: the next query gets a new session.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('during a statement: the statement fails, the error is reported, and the pool goes on', async () => {
    reported.length = 0;
    const outcome = withTransaction(pool, async (client) => {
      const running = client.query('SELECT pg_sleep(30)');
      running.catch(() => undefined); // awaited below, after the termination
      await waitFor('the statement running', async () => (await admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
        [appName],
      )).rowCount === 1, { timeoutMs: 10_000, intervalMs: 20 });
      expect(await terminatePoolSessions()).toBeGreaterThanOrEqual(1);
      await running;
    });
    await expect(outcome).rejects.toThrow(/terminat/i);
    await waitFor('the lost session reported', () => reported.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('idle in the pool: the error is reported and the next query opens a new session', async () => {
    await pool.query('SELECT 1');
    reported.length = 0;
    expect(await terminatePoolSessions()).toBeGreaterThanOrEqual(1);
    await waitFor('the lost session reported', () => reported.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
