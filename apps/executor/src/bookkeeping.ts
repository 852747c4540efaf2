import type pg from 'pg';

/**
 * The executor's bookkeeping inside each tenant database, in the `fleetshift` schema (which
 * introspection ignores, so it never shows in a fingerprint or a plan):
 *
 * - `applied_versions`: one row per version a rollout applied to a tenant — written in the same
 *   transaction as the plan's last group (or right after a last non-transactional step). Keyed by
 *   (tenant_schema, version, rollout_id): the same rollout can never record a tenant twice, and the rows
 *   prove what ran where. `tenant_schema` is '' in database isolation, the tenant's schema otherwise.
 * - `plan_progress`: how many units (transactions or lone non-transactional steps) of a plan are done,
 *   so that a tenant interrupted between units (cancelled on a CRITICAL throttle, executor killed, lock
 *   budget spent) resumes where it stopped instead of looking drifted.
 */
const bookkeepingDdl = `
CREATE SCHEMA IF NOT EXISTS fleetshift;
CREATE TABLE IF NOT EXISTS fleetshift.applied_versions (
  tenant_schema text NOT NULL DEFAULT '',
  version integer NOT NULL,
  fingerprint text NOT NULL,
  rollout_id text NOT NULL,
  executor_id text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_schema, version, rollout_id)
);
CREATE TABLE IF NOT EXISTS fleetshift.plan_progress (
  tenant_schema text NOT NULL,
  rollout_id text NOT NULL,
  to_fingerprint text NOT NULL,
  units_done integer NOT NULL,
  executor_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_schema, rollout_id, to_fingerprint)
);`;

/** Any key, distinct from the tenant lock class: serialises the CREATE … IF NOT EXISTS of two executors. */
const bookkeepingLockKey = 0x46530002;

const readyConnections = new WeakSet<pg.ClientBase>();

/** Creates the bookkeeping schema and tables once per connection (cheap check first). */
export async function ensureBookkeeping(client: pg.ClientBase): Promise<void> {
  if (readyConnections.has(client)) return;
  const { rows } = await client.query<{ ready: boolean }>(
    `SELECT to_regclass('fleetshift.applied_versions') IS NOT NULL AND to_regclass('fleetshift.plan_progress') IS NOT NULL AS ready`,
  );
  if (!rows[0]!.ready) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [bookkeepingLockKey]);
      await client.query(bookkeepingDdl);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  readyConnections.add(client);
}

export interface AppliedVersion {
  version: number;
  fingerprint: string;
  rolloutId: string;
  executorId: string;
  appliedAt: Date;
}

/** The rows recorded for one tenant at one version, newest first. */
export async function readAppliedVersions(client: pg.ClientBase, tenantSchema: string, version: number): Promise<AppliedVersion[]> {
  const { rows } = await client.query<{ version: number; fingerprint: string; rollout_id: string; executor_id: string; applied_at: Date }>(
    `SELECT version, fingerprint, rollout_id, executor_id, applied_at
       FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = $2 ORDER BY applied_at DESC`,
    [tenantSchema, version],
  );
  return rows.map((r) => ({ version: r.version, fingerprint: r.fingerprint, rolloutId: r.rollout_id, executorId: r.executor_id, appliedAt: r.applied_at }));
}

export interface AppliedRecord {
  tenantSchema: string;
  tenantId: string;
  version: number;
  fingerprint: string;
  rolloutId: string;
  executorId: string;
}

export async function recordAppliedVersion(client: pg.ClientBase, record: AppliedRecord): Promise<void> {
  await client.query(
    `INSERT INTO fleetshift.applied_versions (tenant_schema, version, fingerprint, rollout_id, executor_id, tenant_id)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [record.tenantSchema, record.version, record.fingerprint, record.rolloutId, record.executorId, record.tenantId],
  );
  await client.query('DELETE FROM fleetshift.plan_progress WHERE tenant_schema = $1 AND rollout_id = $2', [record.tenantSchema, record.rolloutId]);
}

/** Units of the plan (towards toFingerprint) this rollout already completed on the tenant; 0 if none. */
export async function readProgress(client: pg.ClientBase, tenantSchema: string, rolloutId: string, toFingerprint: string): Promise<number> {
  const { rows } = await client.query<{ units_done: number }>(
    'SELECT units_done FROM fleetshift.plan_progress WHERE tenant_schema = $1 AND rollout_id = $2 AND to_fingerprint = $3',
    [tenantSchema, rolloutId, toFingerprint],
  );
  return rows[0]?.units_done ?? 0;
}

export async function recordProgress(
  client: pg.ClientBase,
  key: { tenantSchema: string; rolloutId: string; toFingerprint: string; executorId: string },
  unitsDone: number,
): Promise<void> {
  await client.query(
    `INSERT INTO fleetshift.plan_progress (tenant_schema, rollout_id, to_fingerprint, units_done, executor_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_schema, rollout_id, to_fingerprint)
     DO UPDATE SET units_done = EXCLUDED.units_done, executor_id = EXCLUDED.executor_id, updated_at = now()`,
    [key.tenantSchema, key.rolloutId, key.toFingerprint, unitsDone, key.executorId],
  );
}
