import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@fleetshift/testing';
import { openControlStore } from './index.js';

// A scheduler frozen (SIGSTOP) in the middle of a transaction holds its row locks while its session sits
// idle in the transaction; the replica that takes over would wait on them for good. With
// idleInTransactionTimeoutMs the server ends that session and the locks go with it.
let database: TestDatabase;
let frozen: pg.Pool;
let other: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase('frozen_tx');
  frozen = await openControlStore(database.url, { idleInTransactionTimeoutMs: 500, onConnectionError: () => undefined });
  other = new pg.Client({ connectionString: database.url });
  await other.connect();
  await other.query('CREATE TABLE held (id int PRIMARY KEY)');
  await other.query('INSERT INTO held VALUES (1)');
});

afterAll(async () => {
  await other?.end();
  await frozen?.end();
  await database?.drop();
});

describe('a control-store session idle inside a transaction', () => {
  it('is ended by the server after idleInTransactionTimeoutMs, releasing its row locks to another session', async () => {
    const client = await frozen.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM held WHERE id = 1 FOR UPDATE');
    // Held now: another session cannot take the row.
    await other.query("SET lock_timeout = '100ms'");
    await expect(other.query('SELECT id FROM held WHERE id = 1 FOR UPDATE')).rejects.toThrow(/lock timeout/);
    // The holder does nothing (frozen); the other session waits up to 10 s and gets the row.
    await other.query("SET lock_timeout = '10s'");
    const { rows } = await other.query<{ id: number }>('SELECT id FROM held WHERE id = 1 FOR UPDATE');
    expect(rows).toEqual([{ id: 1 }]);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
  });
});
