import type pg from 'pg';

/** rollout_id and executor_id of the row the scheduler writes when it provisions a tenant at a version. */
export const provisionRolloutId = 'provision';
export const schedulerExecutorId = 'scheduler';

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

/** The fingerprint recorded in the tenant database for a version (the newest row), if any. */
export async function recordedFingerprint(client: pg.ClientBase, tenantSchema: string, version: number): Promise<string | undefined> {
  const { rows } = await client.query<{ fingerprint: string }>(
    `SELECT fingerprint FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = $2 ORDER BY applied_at DESC LIMIT 1`,
    [tenantSchema, version],
  );
  return rows[0]?.fingerprint;
}

export interface AppliedRecord {
  tenantSchema: string;
  tenantId: string;
  version: number;
  fingerprint: string;
  rolloutId: string;
  executorId: string;
}

/** Records a version a rollout applied (a second row for the same rollout fails) and clears its plan progress. */
export async function recordAppliedVersion(client: pg.ClientBase, record: AppliedRecord): Promise<void> {
  await client.query(
    `INSERT INTO fleetshift.applied_versions (tenant_schema, version, fingerprint, rollout_id, executor_id, tenant_id)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [record.tenantSchema, record.version, record.fingerprint, record.rolloutId, record.executorId, record.tenantId],
  );
  await client.query('DELETE FROM fleetshift.plan_progress WHERE tenant_schema = $1 AND rollout_id = $2', [record.tenantSchema, record.rolloutId]);
}

/**
 * Records the version a tenant was provisioned at (rollout_id `provision`), so that executors see its
 * state exactly as if a rollout had brought it there. Idempotent.
 */
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
