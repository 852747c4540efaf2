import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Isolation, RolloutState, SchemaFormat } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, databaseUrl, type TestDatabase } from '@fleetshift/testing';
import {
  ActiveRolloutError,
  appendSchemaVersion,
  appendTenantEvent,
  insertRollout,
  listMigrations,
  listTenantPage,
  migrate,
  openControlStore,
  registerTenantRow,
  setRolloutState,
  TenantConflictError,
  upsertCluster,
} from './index.js';

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase('control_store');
  pool = await openControlStore(database.url);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('migrations', () => {
  it('are recorded once and applying them again changes nothing', async () => {
    const migrations = await listMigrations();
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(await migrate(pool)).toEqual([]);
  });

  it('two stores opening a fresh database at once both succeed, and the migrations run once', async () => {
    const server = await findPostgres();
    const name = `fs_test_cs_race_${Date.now().toString(36)}`;
    const url = databaseUrl(server, name);
    const pools = await Promise.all([openControlStore(url), openControlStore(url), openControlStore(url)]);
    try {
      const { rows } = await pools[0].query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0].n).toBe((await listMigrations()).length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});

describe('tables', () => {
  const schema = { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: 'CREATE TABLE a (id int);', filename: 'a.sql' };

  it('numbers schema versions per blueprint, keeps identical text as the same version, and refuses to change one', async () => {
    const first = await appendSchemaVersion(pool, { blueprint: 'bp_versions', schema, fingerprint: 'f1', allowedHazards: [], description: '' });
    const again = await appendSchemaVersion(pool, { blueprint: 'bp_versions', schema, fingerprint: 'f1', allowedHazards: [], description: '' });
    const second = await appendSchemaVersion(pool, {
      blueprint: 'bp_versions',
      schema: { ...schema, text: 'CREATE TABLE b (id int);' },
      fingerprint: 'f2',
      allowedHazards: ['DELETES_DATA'],
      description: 'b',
    });
    expect([first.version.version, first.created]).toEqual([1, true]);
    expect([again.version.version, again.created]).toEqual([1, false]);
    expect([second.version.version, second.created]).toEqual([2, true]);
    await expect(pool.query(`UPDATE schema_versions SET text = 'x' WHERE blueprint = 'bp_versions'`)).rejects.toThrow(/immutable/);
  });

  it('keeps one active rollout per blueprint', async () => {
    await appendSchemaVersion(pool, { blueprint: 'bp_active', schema, fingerprint: 'f1', allowedHazards: [], description: '' });
    const rollout = {
      id: 'r1', blueprint: 'bp_active', version: 1, state: RolloutState.ROLLOUT_STATE_PENDING, selector: undefined, batchSize: 50,
      maxBatchesInFlight: 4, tenantConcurrency: 4, canary: false, failurePolicy: undefined, allowedHazards: [], dryRun: false,
      counts: undefined, haltReason: '', plans: 1, batchesTotal: 0, batchesPublished: 0, throttles: [], paces: [], createdAt: undefined,
      startedAt: undefined, finishedAt: undefined, throttledSeconds: 0, lockRetries: 0,
    };
    await insertRollout(pool, rollout);
    await expect(insertRollout(pool, { ...rollout, id: 'r2' })).rejects.toBeInstanceOf(ActiveRolloutError);
    expect(await setRolloutState(pool, 'r1', RolloutState.ROLLOUT_STATE_CANCELLED, [RolloutState.ROLLOUT_STATE_PENDING])).toBe(true);
    expect(await setRolloutState(pool, 'r1', RolloutState.ROLLOUT_STATE_RUNNING, [RolloutState.ROLLOUT_STATE_PENDING])).toBe(false);
    await insertRollout(pool, { ...rollout, id: 'r2' });
  });

  it('registers tenants idempotently, refuses a second place, pages by label, and keeps events append-only', async () => {
    await upsertCluster(pool, {
      id: 'c1', host: '127.0.0.1', port: 5432, adminUser: 'postgres', passwordEnv: 'PW', passwordFile: '',
      maintenanceDatabase: 'postgres', connectionBudget: 10, labels: {}, createdAt: undefined, sslmode: '', sslRootCertFile: '',
    });
    await appendSchemaVersion(pool, { blueprint: 'bp_tenants', schema, fingerprint: 'f1', allowedHazards: [], description: '' });
    const base = {
      blueprint: 'bp_tenants', clusterId: 'c1', isolation: Isolation.ISOLATION_SCHEMA, database: 'bp_tenants', version: 0,
      fingerprint: '', createdAt: undefined, updatedAt: undefined,
    };
    for (let i = 0; i < 5; i++) {
      await registerTenantRow(pool, { ...base, id: `t${i}`, schema: `t${i}`, labels: { tier: i % 2 ? 'gold' : 'free' } });
    }
    const again = await registerTenantRow(pool, { ...base, id: 't0', schema: 't0', labels: { tier: 'gold' } });
    expect(again.labels).toEqual({ tier: 'gold' });
    await expect(registerTenantRow(pool, { ...base, id: 't0', schema: 'elsewhere', labels: {} })).rejects.toBeInstanceOf(TenantConflictError);

    const first = await listTenantPage(pool, { labels: { tier: 'gold' } }, 2, '');
    const second = await listTenantPage(pool, { labels: { tier: 'gold' } }, 2, first.nextPageToken);
    expect(first.tenants.map((t) => t.id)).toEqual(['t0', 't1']);
    expect(second.tenants.map((t) => t.id)).toEqual(['t3']);
    expect([first.total, second.nextPageToken]).toEqual([3, '']);

    expect(await appendTenantEvent(pool, { tenantId: 't0', kind: 'started', resultKey: 'k1' })).toBe(true);
    expect(await appendTenantEvent(pool, { tenantId: 't0', kind: 'started', resultKey: 'k1' })).toBe(false);
    await expect(pool.query(`DELETE FROM tenant_events`)).rejects.toThrow(/append-only/);
  });
});
