import type pg from 'pg';
import { DriftPolicy, Isolation, Rollout, SchemaFormat, type RolloutState, type TenantRolloutState } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { createTestDatabase, type TestDatabase } from '@fleetshift/testing';
import { openControlStore } from '../open-control-store.js';
import { appendSchemaVersion } from '../schema-versions.js';
import { upsertCluster } from '../clusters.js';
import { registerTenantRow } from '../tenants.js';
import { insertRollout } from '../rollouts.js';
import { insertBatches } from '../rollout-batches.js';
import { insertRolloutTenants } from '../rollout-tenants.js';
import { rolloutStates, tenantStates } from '../states.js';

/** A throwaway database with the control store's migrations applied, for one test file. */
export interface TestStore {
  database: TestDatabase;
  pool: pg.Pool;
  /** Another pool on the same database: a second scheduler. */
  openPool(max?: number): Promise<pg.Pool>;
  close(): Promise<void>;
}

export async function openTestStore(prefix: string): Promise<TestStore> {
  const database = await createTestDatabase(prefix);
  const pools: pg.Pool[] = [await openControlStore(database.url)];
  return {
    database,
    pool: pools[0],
    async openPool(max) {
      const pool = await openControlStore(database.url, { max });
      pools.push(pool);
      return pool;
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
    },
  };
}

export const sqlSchema = (text: string) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'schema.sql' });

export const cluster = (id: string) => ({
  id,
  host: '127.0.0.1',
  port: 5432,
  adminUser: 'postgres',
  passwordEnv: 'FLEETSHIFT_PW_TEST',
  passwordFile: '',
  maintenanceDatabase: 'postgres',
  connectionBudget: 10,
  labels: {},
  createdAt: undefined,
  sslmode: '',
  sslRootCertFile: '',
});

/** A blueprint with one version and `tenants` schema-isolated tenants `<blueprint>_t<n>` on cluster `c1`. */
export async function seedBlueprint(db: pg.Pool, blueprint: string, tenants: number): Promise<string[]> {
  await upsertCluster(db, cluster('c1'));
  await appendSchemaVersion(db, { blueprint, schema: sqlSchema('CREATE TABLE a (id int);'), fingerprint: 'f1', allowedHazards: [], description: '' });
  const ids = Array.from({ length: tenants }, (_, i) => `${blueprint}_t${String(i).padStart(3, '0')}`);
  for (const id of ids) {
    await registerTenantRow(db, {
      id, blueprint, clusterId: 'c1', isolation: Isolation.ISOLATION_SCHEMA, database: blueprint, schema: id,
      labels: {}, version: 0, fingerprint: '', createdAt: undefined, updatedAt: undefined,
    });
  }
  return ids;
}

export function newRollout(id: string, blueprint: string, overrides: Partial<Rollout> = {}): Rollout {
  return Rollout.fromPartial({
    id,
    blueprint,
    version: 1,
    batchSize: 10,
    maxBatchesInFlight: 4,
    tenantConcurrency: 4,
    failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 0, onDrift: DriftPolicy.DRIFT_POLICY_REPLAN },
    plans: 1,
    ...overrides,
  });
}

/**
 * A PENDING rollout of `tenantIds` (all PENDING, plan key `p1`), `batchSize` tenants a batch, the
 * way CreateRollout persists one.
 */
export async function seedRollout(
  db: pg.Pool,
  id: string,
  blueprint: string,
  tenantIds: string[],
  options: { batchSize?: number; rollout?: Partial<Rollout> } = {},
): Promise<void> {
  const batchSize = options.batchSize ?? 10;
  await insertRollout(db, newRollout(id, blueprint, { batchSize, ...options.rollout }));
  const batches = Math.ceil(tenantIds.length / batchSize);
  await insertBatches(db, id, Array.from({ length: batches }, (_, i) => ({ batchNumber: i + 1, clusterId: 'c1' })));
  await insertRolloutTenants(
    db,
    id,
    tenantIds.map((tenantId, i) => ({ tenantId, clusterId: 'c1', batchNumber: Math.floor(i / batchSize) + 1, planKey: 'p1', fromVersion: 0, fromFingerprint: 'f0' })),
  );
}

/** Puts a rollout in any state directly, bypassing the store's guards (to start a case from there). */
export async function forceRolloutState(db: pg.Pool, id: string, state: RolloutState): Promise<void> {
  await db.query(`UPDATE rollouts SET state = $2, halt_reason = '', started_at = NULL, finished_at = NULL WHERE id = $1`, [
    id,
    rolloutStates.word(state),
  ]);
}

/** Puts a rollout's tenant in any state directly, bypassing the store's guards. */
export async function forceTenantState(db: pg.Pool, rolloutId: string, tenantId: string, state: TenantRolloutState): Promise<void> {
  await db.query(
    `UPDATE rollout_tenants SET state = $3, error = '', error_code = '', executor_id = '', steps_applied = 0,
       started_at = NULL, finished_at = NULL WHERE rollout_id = $1 AND tenant_id = $2`,
    [rolloutId, tenantId, tenantStates.word(state)],
  );
}

/** The stored row as it is, every column, to compare before and after a refused change. */
export async function rawRow(db: pg.Pool, table: 'rollouts' | 'rollout_tenants', where: Record<string, string>): Promise<Record<string, unknown>> {
  const keys = Object.keys(where);
  const { rows } = await db.query(
    `SELECT * FROM ${quoteIdent(table)} WHERE ${keys.map((key, i) => `${quoteIdent(key)} = $${i + 1}`).join(' AND ')}`,
    keys.map((key) => where[key]),
  );
  if (rows.length !== 1) throw new Error(`expected one ${table} row for ${JSON.stringify(where)}, found ${rows.length}`);
  return rows[0];
}

/** Tenants of a rollout by stored state word, counted straight from the rows. */
export async function stateCounts(db: pg.Pool | pg.PoolClient, rolloutId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM rollout_tenants WHERE rollout_id = $1 GROUP BY state',
    [rolloutId],
  );
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}
