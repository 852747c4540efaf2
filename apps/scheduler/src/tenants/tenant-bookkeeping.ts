import type pg from 'pg';

/**
 * The `fleetshift` schema inside a tenant database, as the executor keeps it (apps/executor/src/
 * bookkeeping.ts — the same DDL, keep them in step): `applied_versions` records each version applied to
 * a tenant (tenant_schema '' in database isolation), `plan_progress` the units of a plan done so far.
 * Provisioning records its version here with rollout_id `provision`, so the executor sees the tenant's
 * state exactly as if a rollout had brought it there.
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

/** The executor's lock key for the same DDL, so that a scheduler and an executor never race on it. */
const bookkeepingLockKey = 0x46530002;

export const provisionRolloutId = 'provision';
export const schedulerExecutorId = 'scheduler';

/** SQLSTATEs of a CREATE … IF NOT EXISTS that lost a race (the catalog check does not see the other's commit). */
const lostRace = new Set(['23505', '42P06', '42P07']);

export async function ensureBookkeeping(client: pg.ClientBase, attempts = 3): Promise<void> {
  const { rows } = await client.query<{ ready: boolean }>(
    `SELECT to_regclass('fleetshift.applied_versions') IS NOT NULL AND to_regclass('fleetshift.plan_progress') IS NOT NULL AS ready`,
  );
  if (rows[0].ready) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [bookkeepingLockKey]);
    await client.query(bookkeepingDdl);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (attempts > 1 && lostRace.has((error as { code?: string }).code ?? '')) return ensureBookkeeping(client, attempts - 1);
    throw error;
  }
}

/** The fingerprint recorded in the tenant database for a version, if any. */
export async function recordedFingerprint(client: pg.ClientBase, tenantSchema: string, version: number): Promise<string | undefined> {
  const { rows } = await client.query<{ fingerprint: string }>(
    `SELECT fingerprint FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = $2 ORDER BY applied_at DESC LIMIT 1`,
    [tenantSchema, version],
  );
  return rows[0]?.fingerprint;
}

export async function recordProvisionedVersion(
  client: pg.ClientBase,
  record: { tenantSchema: string; tenantId: string; version: number; fingerprint: string },
): Promise<void> {
  await client.query(
    `INSERT INTO fleetshift.applied_versions (tenant_schema, version, fingerprint, rollout_id, executor_id, tenant_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [record.tenantSchema, record.version, record.fingerprint, provisionRolloutId, schedulerExecutorId, record.tenantId],
  );
}
