import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import { ensureBookkeeping } from './ledger-schema.js';
import { readAppliedVersions, recordAppliedVersion, recordedFingerprint, recordProvisionedVersion } from './applied-versions.js';
import { readProgress, recordProgress } from './plan-progress.js';

const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];

async function connect(db: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  clients.push(client);
  return client;
}

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase('ledger');
  databases.push(db);
  return db;
}

async function ledgerTables(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fleetshift' AND c.relkind = 'r' ORDER BY 1`,
  );
  return rows.map((r) => r.relname);
}

/** Waits, with a deadline, until the session `pid` waits on a lock. */
async function waitUntilBlocked(observer: pg.ClientBase, pid: number): Promise<void> {
  await waitFor(`session ${pid} waiting on a lock`, async () => {
    const { rows } = await observer.query<{ blocked: boolean }>(`SELECT wait_event_type = 'Lock' AS blocked FROM pg_stat_activity WHERE pid = $1`, [pid]);
    return rows[0]?.blocked === true;
  }, { timeoutMs: 10_000, intervalMs: 20 });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

describe('tenant ledger schema', () => {
  it('is created once from many connections at the same time, every caller succeeding', async () => {
    for (let round = 0; round < 3; round++) {
      const db = await freshDatabase();
      const sessions = await Promise.all(Array.from({ length: 8 }, () => connect(db)));
      await Promise.all(sessions.map((client) => ensureBookkeeping(client)));
      expect(await ledgerTables(sessions[0]!)).toEqual(['applied_versions', 'catalog_stamps', 'plan_progress']);
    }
  });

  it('survives losing the creation race to a session that created the schema without the advisory lock (23505)', async () => {
    const db = await freshDatabase();
    const [other, caller, observer] = await Promise.all([connect(db), connect(db), connect(db)]);
    await other.query('BEGIN');
    await other.query('CREATE SCHEMA fleetshift');
    const callerPid = (await caller.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const ensured = ensureBookkeeping(caller);
    await waitUntilBlocked(observer, callerPid);
    await other.query('COMMIT');
    await ensured;
    expect(await ledgerTables(caller)).toEqual(['applied_versions', 'catalog_stamps', 'plan_progress']);
  });

  it('records and reads applied versions and plan progress', async () => {
    const db = await freshDatabase();
    const client = await connect(db);
    await ensureBookkeeping(client);
    await ensureBookkeeping(client);
    const key = { tenantSchema: 't1', rolloutId: 'r1', toFingerprint: 'fp2', executorId: 'e1' };
    expect(await readProgress(client, 't1', 'r1', 'fp2')).toBe(0);
    await recordProgress(client, key, 1);
    await recordProgress(client, key, 2);
    expect(await readProgress(client, 't1', 'r1', 'fp2')).toBe(2);
    await recordAppliedVersion(client, { tenantSchema: 't1', tenantId: 'acme', version: 2, fingerprint: 'fp2', rolloutId: 'r1', executorId: 'e1' });
    expect(await readProgress(client, 't1', 'r1', 'fp2')).toBe(0);
    await expect(
      recordAppliedVersion(client, { tenantSchema: 't1', tenantId: 'acme', version: 2, fingerprint: 'fp2', rolloutId: 'r1', executorId: 'e2' }),
    ).rejects.toMatchObject({ code: '23505' });
    await recordProvisionedVersion(client, { tenantSchema: 't1', tenantId: 'acme', version: 1, fingerprint: 'fp1' });
    await recordProvisionedVersion(client, { tenantSchema: 't1', tenantId: 'acme', version: 1, fingerprint: 'fp1' });
    expect(await recordedFingerprint(client, 't1', 1)).toBe('fp1');
    expect(await recordedFingerprint(client, 't1', 3)).toBeUndefined();
    expect((await readAppliedVersions(client, 't1', 1)).map((v) => [v.rolloutId, v.executorId])).toEqual([['provision', 'scheduler']]);
    expect((await readAppliedVersions(client, 't1', 2)).map((v) => [v.version, v.fingerprint, v.rolloutId])).toEqual([[2, 'fp2', 'r1']]);
  });
});
