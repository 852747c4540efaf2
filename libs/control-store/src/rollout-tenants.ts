import type { RolloutTenant, TenantRolloutState } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';
import { isolations, tenantStates } from './states.js';

/** A tenant's place in a rollout, as the scheduler needs it to build and track batches. */
export interface RolloutTenantRow {
  tenantId: string;
  clusterId: string;
  state: TenantRolloutState;
  batchNumber: number;
  planKey: string;
  fromVersion: number;
  fromFingerprint: string;
  attempts: number;
  replans: number;
  /** The attempt of the batch publication the tenant was last queued in: only its reports move the tenant. */
  batchAttempt: number;
}

export interface NewRolloutTenant {
  tenantId: string;
  clusterId: string;
  batchNumber: number;
  planKey: string;
  fromVersion: number;
  fromFingerprint: string;
}

export async function insertRolloutTenants(db: Queryable, rolloutId: string, tenants: NewRolloutTenant[]): Promise<void> {
  if (!tenants.length) return;
  await db.query(
    `INSERT INTO rollout_tenants (rollout_id, tenant_id, cluster_id, batch_number, plan_key, from_version, from_fingerprint)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[])`,
    [
      rolloutId,
      tenants.map((t) => t.tenantId),
      tenants.map((t) => t.clusterId),
      tenants.map((t) => t.batchNumber),
      tenants.map((t) => t.planKey),
      tenants.map((t) => t.fromVersion),
      tenants.map((t) => t.fromFingerprint),
    ],
  );
}

interface Row {
  tenant_id: string;
  cluster_id: string;
  state: string;
  batch_number: number;
  plan_key: string;
  from_version: number;
  from_fingerprint: string;
  attempts: number;
  replans: number;
  batch_attempt: number;
}

const rowColumns = 'tenant_id, cluster_id, state, batch_number, plan_key, from_version, from_fingerprint, attempts, replans, batch_attempt';

const toRow = (row: Row): RolloutTenantRow => ({
  tenantId: row.tenant_id,
  clusterId: row.cluster_id,
  state: tenantStates.value(row.state),
  batchNumber: row.batch_number,
  planKey: row.plan_key,
  fromVersion: row.from_version,
  fromFingerprint: row.from_fingerprint,
  attempts: row.attempts,
  replans: row.replans,
  batchAttempt: row.batch_attempt,
});

/**
 * A tenant's row, locked for the rest of the transaction — and the rollout's row before it. Every
 * transaction that changes a rollout and its tenants (operator actions, publishing, applying a result)
 * locks the rollout first: two schedulers then wait for each other instead of deadlocking (a result
 * that halts the rollout against a cancel), and a failure-policy check sees the failures the other
 * committed. FOR NO KEY UPDATE still lets rows referencing the rollout be inserted meanwhile.
 */
export async function getRolloutTenantRow(db: Queryable, rolloutId: string, tenantId: string): Promise<RolloutTenantRow | undefined> {
  await db.query('SELECT id FROM rollouts WHERE id = $1 FOR NO KEY UPDATE', [rolloutId]);
  const { rows } = await db.query<Row>(
    `SELECT ${rowColumns} FROM rollout_tenants WHERE rollout_id = $1 AND tenant_id = $2 FOR UPDATE`,
    [rolloutId, tenantId],
  );
  return rows[0] && toRow(rows[0]);
}

/** A tenant of a batch with where it lives, to build its TenantTask. */
export interface BatchTenant extends RolloutTenantRow {
  isolation: number;
  database: string;
  schema: string;
}

export async function batchTenants(
  db: Queryable,
  rolloutId: string,
  batchNumber: number,
  states: TenantRolloutState[],
): Promise<BatchTenant[]> {
  const { rows } = await db.query<Row & { isolation: string; database: string; schema: string }>(
    `SELECT rt.tenant_id, rt.cluster_id, rt.state, rt.batch_number, rt.plan_key, rt.from_version, rt.from_fingerprint,
            rt.attempts, rt.replans, rt.batch_attempt, t.isolation, t.database, t.schema
     FROM rollout_tenants rt JOIN tenants t ON t.id = rt.tenant_id
     WHERE rt.rollout_id = $1 AND rt.batch_number = $2 AND rt.state = ANY($3) ORDER BY rt.tenant_id`,
    [rolloutId, batchNumber, states.map((s) => tenantStates.word(s))],
  );
  return rows.map((row) => ({ ...toRow(row), isolation: isolations.value(row.isolation), database: row.database, schema: row.schema }));
}

/**
 * Moves the tenants of a batch in one of `from` to `to`; `countAttempt` adds one to their attempts
 * (a tenant is queued again). `batchAttempt` records the batch publication they are queued in (only its
 * reports move them from then on). Returns the tenant ids moved.
 */
export async function moveBatchTenants(
  db: Queryable,
  rolloutId: string,
  batchNumber: number,
  from: TenantRolloutState[],
  to: TenantRolloutState,
  countAttempt = false,
  batchAttempt?: number,
): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `UPDATE rollout_tenants SET state = $4, updated_at = now(), attempts = attempts + $5, batch_attempt = COALESCE($6, batch_attempt)
     WHERE rollout_id = $1 AND batch_number = $2 AND state = ANY($3) RETURNING tenant_id`,
    [rolloutId, batchNumber, from.map((s) => tenantStates.word(s)), tenantStates.word(to), countAttempt ? 1 : 0, batchAttempt ?? null],
  );
  return rows.map((row) => row.tenant_id);
}

/** Moves every tenant of a rollout in one of `from` to `to`; returns the tenant ids moved. */
export async function moveRolloutTenants(
  db: Queryable,
  rolloutId: string,
  from: TenantRolloutState[],
  to: TenantRolloutState,
  error?: { message: string; code: string },
): Promise<Array<{ tenantId: string; batchNumber: number }>> {
  const { rows } = await db.query<{ tenant_id: string; batch_number: number }>(
    `UPDATE rollout_tenants SET state = $3, updated_at = now(),
       error = COALESCE($4, error), error_code = COALESCE($5, error_code),
       finished_at = CASE WHEN $3 IN ('succeeded', 'failed', 'skipped', 'cancelled') THEN now() ELSE finished_at END
     WHERE rollout_id = $1 AND state = ANY($2) RETURNING tenant_id, batch_number`,
    [rolloutId, from.map((s) => tenantStates.word(s)), tenantStates.word(to), error?.message ?? null, error?.code ?? null],
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, batchNumber: row.batch_number }));
}

export interface TenantOutcome {
  state: TenantRolloutState;
  error: string;
  errorCode: string;
  executorId: string;
  stepsApplied: number;
  startedAt?: Date;
  finishedAt?: Date;
}

/** Records what an executor reported for a tenant, only when the tenant is in one of `from`. */
export async function recordTenantOutcome(
  db: Queryable,
  rolloutId: string,
  tenantId: string,
  outcome: TenantOutcome,
  from: TenantRolloutState[],
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE rollout_tenants SET state = $3, error = $4, error_code = $5, executor_id = $6, steps_applied = $7,
       started_at = COALESCE($8, started_at), finished_at = $9, updated_at = now()
     WHERE rollout_id = $1 AND tenant_id = $2 AND state = ANY($10)`,
    [
      rolloutId,
      tenantId,
      tenantStates.word(outcome.state),
      outcome.error,
      outcome.errorCode,
      outcome.executorId,
      outcome.stepsApplied,
      outcome.startedAt ?? null,
      outcome.finishedAt ?? null,
      from.map((s) => tenantStates.word(s)),
    ],
  );
  return Boolean(rowCount);
}

/**
 * Adds the lock-timeout retries one report of a tenant's run carried to the tenant's total in the
 * rollout. The caller adds a report once: only after storing it as a new event (a duplicate is not).
 */
export async function addTenantLockRetries(db: Queryable, rolloutId: string, tenantId: string, lockRetries: number): Promise<void> {
  if (!Number.isInteger(lockRetries) || lockRetries < 0) {
    throw new Error(`lock retries of tenant ${tenantId} in rollout ${rolloutId} must be a whole number >= 0, got ${lockRetries}`);
  }
  if (lockRetries === 0) return;
  await db.query(
    'UPDATE rollout_tenants SET lock_retries = lock_retries + $3, updated_at = now() WHERE rollout_id = $1 AND tenant_id = $2',
    [rolloutId, tenantId, lockRetries],
  );
}

/** Gives a drifted tenant its own plan and puts it, pending, in a batch of its own. */
export async function replanRolloutTenant(
  db: Queryable,
  rolloutId: string,
  tenantId: string,
  change: { planKey: string; fromFingerprint: string; batchNumber: number },
): Promise<void> {
  await db.query(
    `UPDATE rollout_tenants SET plan_key = $3, from_fingerprint = $4, batch_number = $5, replans = replans + 1,
       state = 'pending', error = '', error_code = '', finished_at = NULL, updated_at = now()
     WHERE rollout_id = $1 AND tenant_id = $2`,
    [rolloutId, tenantId, change.planKey, change.fromFingerprint, change.batchNumber],
  );
}

/** Failed tenants of a rollout by batch number. */
export async function failedTenantsByBatch(db: Queryable, rolloutId: string): Promise<Map<number, string[]>> {
  const { rows } = await db.query<{ batch_number: number; ids: string[] }>(
    `SELECT batch_number, array_agg(tenant_id ORDER BY tenant_id) AS ids FROM rollout_tenants
     WHERE rollout_id = $1 AND state = 'failed' GROUP BY batch_number ORDER BY batch_number`,
    [rolloutId],
  );
  return new Map(rows.map((row) => [row.batch_number, row.ids]));
}

/** Resets tenants to pending for another attempt (RetryFailed). */
export async function resetTenantsForRetry(db: Queryable, rolloutId: string, tenantIds: string[]): Promise<void> {
  await db.query(
    `UPDATE rollout_tenants SET state = 'pending', error = '', error_code = '', finished_at = NULL, updated_at = now()
     WHERE rollout_id = $1 AND tenant_id = ANY($2)`,
    [rolloutId, tenantIds],
  );
}

export interface FinishStats {
  finished: number;
  failed: number;
  open: number;
  /** Tenants finished within the last `windowSeconds`. */
  recent: number;
}

export async function finishStats(db: Queryable, rolloutId: string, windowSeconds = 10): Promise<FinishStats> {
  const { rows } = await db.query<FinishStats>(
    `SELECT count(*) FILTER (WHERE state IN ('succeeded', 'failed', 'skipped')) AS finished,
            count(*) FILTER (WHERE state = 'failed') AS failed,
            count(*) FILTER (WHERE state IN ('pending', 'queued', 'running')) AS open,
            count(*) FILTER (WHERE state IN ('succeeded', 'failed', 'skipped')
                             AND finished_at > now() - make_interval(secs => $2)) AS recent
     FROM rollout_tenants WHERE rollout_id = $1`,
    [rolloutId, windowSeconds],
  );
  return rows[0];
}

/** A rollout's tenants by tenant id, at most `limit`, after tenant id `after` (keyset paging). */
export async function listRolloutTenants(
  db: Queryable,
  rolloutId: string,
  states: TenantRolloutState[],
  limit: number,
  after = '',
): Promise<RolloutTenant[]> {
  const { rows } = await db.query<{
    tenant_id: string;
    cluster_id: string;
    state: string;
    attempts: number;
    error: string;
    error_code: string;
    from_fingerprint: string;
    executor_id: string;
    started_at: Date | null;
    finished_at: Date | null;
    lock_retries: number;
  }>(
    `SELECT tenant_id, cluster_id, state, attempts, error, error_code, from_fingerprint, executor_id, started_at, finished_at,
            lock_retries
     FROM rollout_tenants WHERE rollout_id = $1 AND ($2::text[] IS NULL OR state = ANY($2)) AND tenant_id > $4
     ORDER BY tenant_id LIMIT $3`,
    [rolloutId, states.length ? states.map((s) => tenantStates.word(s)) : null, limit, after],
  );
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    clusterId: row.cluster_id,
    state: tenantStates.value(row.state),
    attempts: row.attempts,
    error: row.error,
    errorCode: row.error_code,
    fromFingerprint: row.from_fingerprint,
    executorId: row.executor_id,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    lockRetries: row.lock_retries,
  }));
}

/** Tenants of a rollout that never got a plan (unreachable when it was created). */
export async function unplannedTenantIds(db: Queryable, rolloutId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM rollout_tenants WHERE rollout_id = $1 AND plan_key = ''`,
    [rolloutId],
  );
  return new Set(rows.map((row) => row.tenant_id));
}

/** Gives a tenant of a rollout its plan (a tenant planned after the rollout was created). */
export async function setTenantPlan(db: Queryable, rolloutId: string, tenantId: string, plan: { planKey: string; fromFingerprint: string }): Promise<void> {
  await db.query(
    'UPDATE rollout_tenants SET plan_key = $3, from_fingerprint = $4, updated_at = now() WHERE rollout_id = $1 AND tenant_id = $2',
    [rolloutId, tenantId, plan.planKey, plan.fromFingerprint],
  );
}
