import type { TenantEvent } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';

/** provisioned | started | succeeded | failed | skipped | retried | drift | cancelled | replanned | halted */
export type TenantEventKind =
  | 'provisioned'
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'retried'
  | 'drift'
  | 'cancelled'
  | 'replanned'
  | 'halted';

export interface NewTenantEvent {
  tenantId: string;
  rolloutId?: string;
  kind: TenantEventKind;
  fromVersion?: number;
  toVersion?: number;
  fingerprint?: string;
  error?: string;
  errorCode?: string;
  executorId?: string;
  stepsApplied?: number;
  batchNumber?: number;
  at?: Date;
  /** Identifies the report an event came from: the same key twice is stored once. */
  resultKey?: string;
}

/** Appends one event; returns false when an event with the same result key exists (a duplicate). */
export async function appendTenantEvent(db: Queryable, event: NewTenantEvent): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO tenant_events (tenant_id, rollout_id, kind, from_version, to_version, fingerprint, error, error_code,
       executor_id, steps_applied, batch_number, result_key, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, COALESCE($13, now()))
     ON CONFLICT (result_key) DO NOTHING`,
    [
      event.tenantId,
      event.rolloutId ?? '',
      event.kind,
      event.fromVersion ?? 0,
      event.toVersion ?? 0,
      event.fingerprint ?? '',
      event.error ?? '',
      event.errorCode ?? '',
      event.executorId ?? '',
      event.stepsApplied ?? 0,
      event.batchNumber ?? 0,
      event.resultKey ?? null,
      event.at ?? null,
    ],
  );
  return Boolean(rowCount);
}

/** Appends the same kind of event for many tenants of a rollout at once. */
export async function appendTenantEvents(
  db: Queryable,
  rolloutId: string,
  kind: TenantEventKind,
  tenantIds: string[],
  detail: { fromVersion?: number; toVersion?: number; error?: string; batchNumber?: number } = {},
): Promise<void> {
  if (!tenantIds.length) return;
  await db.query(
    `INSERT INTO tenant_events (tenant_id, rollout_id, kind, from_version, to_version, error, batch_number)
     SELECT id, $2, $3, $4, $5, $6, $7 FROM unnest($1::text[]) AS id`,
    [tenantIds, rolloutId, kind, detail.fromVersion ?? 0, detail.toVersion ?? 0, detail.error ?? '', detail.batchNumber ?? 0],
  );
}

interface Row {
  id: number;
  tenant_id: string;
  rollout_id: string;
  kind: string;
  from_version: number;
  to_version: number;
  fingerprint: string;
  error: string;
  executor_id: string;
  steps_applied: number;
  at: Date;
}

/** A tenant's history, oldest first (optionally one rollout's part of it); after event id `after` (keyset paging). */
export async function listTenantEvents(db: Queryable, tenantId: string, rolloutId: string, limit: number, after = 0): Promise<TenantEvent[]> {
  const { rows } = await db.query<Row>(
    `SELECT id, tenant_id, rollout_id, kind, from_version, to_version, fingerprint, error, executor_id, steps_applied, at
     FROM tenant_events WHERE tenant_id = $1 AND ($2 = '' OR rollout_id = $2) AND id > $4 ORDER BY id LIMIT $3`,
    [tenantId, rolloutId, limit, after],
  );
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    rolloutId: row.rollout_id,
    kind: row.kind,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    fingerprint: row.fingerprint,
    error: row.error,
    executorId: row.executor_id,
    at: row.at,
    stepsApplied: row.steps_applied,
  }));
}

/** Events of a rollout by tenant and kind, for proofs such as "no tenant was applied twice". */
export async function countRolloutEvents(db: Queryable, rolloutId: string, kind: TenantEventKind): Promise<Map<string, number>> {
  const { rows } = await db.query<{ tenant_id: string; n: number }>(
    'SELECT tenant_id, count(*) AS n FROM tenant_events WHERE rollout_id = $1 AND kind = $2 GROUP BY tenant_id',
    [rolloutId, kind],
  );
  return new Map(rows.map((row) => [row.tenant_id, row.n]));
}
