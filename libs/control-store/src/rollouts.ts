import type { Rollout, RolloutCounts, RolloutState, TenantSelector } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';
import { driftPolicies, finalRolloutWords, rolloutStates } from './states.js';

/** The rollout's own row: what every caller needs. */
const rowColumns = `r.id, r.blueprint, r.version, r.state, r.selector, r.batch_size, r.max_batches_in_flight, r.tenant_concurrency,
  r.canary, r.max_failed_tenants, r.max_failure_ratio, r.on_drift, r.allowed_hazards, r.dry_run, r.halt_reason, r.plans,
  r.throttled_seconds, r.created_at, r.started_at, r.finished_at`;

/**
 * The row and its summary: batch and tenant counts aggregated over rollout_batches and rollout_tenants,
 * which costs a scan of the rollout's tenants (100,000 rows at scale). Paths that run per result or per
 * publishing step read the row only (getRollout's `summary: false`).
 */
const columns = `${rowColumns},
  (SELECT count(*) FROM rollout_batches b WHERE b.rollout_id = r.id) AS batches_total,
  (SELECT count(*) FROM rollout_batches b WHERE b.rollout_id = r.id AND b.state <> 'pending') AS batches_published,
  (SELECT jsonb_object_agg(state, n) FROM (SELECT state, count(*) AS n FROM rollout_tenants t
     WHERE t.rollout_id = r.id GROUP BY state) s) AS counts,
  (SELECT COALESCE(sum(t.lock_retries), 0)::bigint FROM rollout_tenants t WHERE t.rollout_id = r.id) AS lock_retries`;

interface RolloutRow {
  id: string;
  blueprint: string;
  version: number;
  state: string;
  selector: TenantSelector;
  batch_size: number;
  max_batches_in_flight: number;
  tenant_concurrency: number;
  canary: boolean;
  max_failed_tenants: number;
  max_failure_ratio: number;
  on_drift: string;
  allowed_hazards: string[];
  dry_run: boolean;
  halt_reason: string;
  plans: number;
  throttled_seconds: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  batches_total: number;
  batches_published: number;
  counts: Record<string, number> | null;
  lock_retries: number;
}

function toCounts(byState: Record<string, number> | null): RolloutCounts {
  const n = (word: string) => byState?.[word] ?? 0;
  const counts = {
    total: 0,
    pending: n('pending'),
    queued: n('queued'),
    running: n('running'),
    succeeded: n('succeeded'),
    failed: n('failed'),
    skipped: n('skipped'),
    cancelled: n('cancelled'),
  };
  counts.total = Object.values(byState ?? {}).reduce((sum, value) => sum + value, 0);
  return counts;
}

function toRollout(row: RolloutRow): Rollout {
  return {
    id: row.id,
    blueprint: row.blueprint,
    version: row.version,
    state: rolloutStates.value(row.state),
    selector: { tenantIds: row.selector.tenantIds ?? [], labels: row.selector.labels ?? {}, clusterIds: row.selector.clusterIds ?? [] },
    batchSize: row.batch_size,
    maxBatchesInFlight: row.max_batches_in_flight,
    tenantConcurrency: row.tenant_concurrency,
    canary: row.canary,
    failurePolicy: {
      maxFailedTenants: row.max_failed_tenants,
      maxFailureRatio: row.max_failure_ratio,
      onDrift: driftPolicies.value(row.on_drift),
    },
    allowedHazards: row.allowed_hazards,
    dryRun: row.dry_run,
    counts: toCounts(row.counts),
    haltReason: row.halt_reason,
    plans: row.plans,
    batchesTotal: row.batches_total,
    batchesPublished: row.batches_published,
    throttles: [],
    paces: [],
    createdAt: row.created_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    throttledSeconds: row.throttled_seconds,
    lockRetries: row.lock_retries,
  };
}

/** Inserts a new rollout (state PENDING). Fails with ActiveRolloutError when the blueprint has one. */
export async function insertRollout(db: Queryable, rollout: Rollout): Promise<void> {
  try {
    await db.query(
      `INSERT INTO rollouts (id, blueprint, version, state, selector, batch_size, max_batches_in_flight, tenant_concurrency,
         canary, max_failed_tenants, max_failure_ratio, on_drift, allowed_hazards, dry_run, plans)
       VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        rollout.id,
        rollout.blueprint,
        rollout.version,
        JSON.stringify(rollout.selector ?? {}),
        rollout.batchSize,
        rollout.maxBatchesInFlight,
        rollout.tenantConcurrency,
        rollout.canary,
        rollout.failurePolicy?.maxFailedTenants ?? 0,
        rollout.failurePolicy?.maxFailureRatio ?? 0,
        driftPolicies.word(rollout.failurePolicy?.onDrift || 1),
        rollout.allowedHazards,
        rollout.dryRun,
        rollout.plans,
      ],
    );
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'rollouts_one_active') {
      throw new ActiveRolloutError(`blueprint ${rollout.blueprint} already has an active rollout`);
    }
    throw error;
  }
}

export class ActiveRolloutError extends Error {}

/**
 * A rollout by id. `summary: false` leaves out the counts (they read as zero, batches and lock retries too):
 * for the paths that only need the row (applying a result, a publishing step), so that their cost does not
 * grow with the rollout's size.
 */
export async function getRollout(db: Queryable, id: string, options: { forUpdate?: boolean; summary?: boolean } = {}): Promise<Rollout | undefined> {
  if (options.forUpdate) await db.query('SELECT id FROM rollouts WHERE id = $1 FOR UPDATE', [id]);
  const select = options.summary === false ? `${rowColumns}, 0 AS batches_total, 0 AS batches_published, NULL::jsonb AS counts, 0 AS lock_retries` : columns;
  const { rows } = await db.query<RolloutRow>(`SELECT ${select} FROM rollouts r WHERE r.id = $1`, [id]);
  return rows[0] && toRollout(rows[0]);
}

/** The blueprint's rollout that holds its active slot (pending, running, paused or halted). */
export async function findActiveRollout(db: Queryable, blueprint: string): Promise<Rollout | undefined> {
  const { rows } = await db.query<RolloutRow>(
    `SELECT ${columns} FROM rollouts r WHERE r.blueprint = $1 AND r.state <> ALL($2)`,
    [blueprint, finalRolloutWords],
  );
  return rows[0] && toRollout(rows[0]);
}

/** Where a page of rollouts starts: after this rollout (newest first: created_at in microseconds, then id). */
export interface RolloutPageKey {
  createdMicros: number;
  id: string;
}

/**
 * Rollouts newest first (created_at, then id), at most `limit`, after `after` when given (keyset paging:
 * see libs/telemetry page-token.ts). Each carries its page key.
 */
export async function listRollouts(
  db: Queryable,
  filter: { blueprint?: string; states?: RolloutState[]; limit?: number; after?: RolloutPageKey },
): Promise<Array<Rollout & { pageKey: RolloutPageKey }>> {
  const params: unknown[] = [];
  const clauses: string[] = [];
  if (filter.after) {
    params.push(filter.after.createdMicros, filter.after.id);
    clauses.push(`(r.created_at, r.id) < (to_timestamp(0) + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length}::text)`);
  }
  if (filter.blueprint) {
    params.push(filter.blueprint);
    clauses.push(`r.blueprint = $${params.length}`);
  }
  if (filter.states?.length) {
    params.push(filter.states.map((state) => rolloutStates.word(state)));
    clauses.push(`r.state = ANY($${params.length})`);
  }
  const limit = Math.max(1, Math.min(Math.floor(filter.limit || 100), 1001));
  const { rows } = await db.query<RolloutRow & { created_micros: string }>(
    `SELECT ${columns}, (extract(epoch FROM r.created_at) * 1000000)::bigint AS created_micros
     FROM rollouts r ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
     ORDER BY r.created_at DESC, r.id DESC LIMIT ${limit}`,
    params,
  );
  return rows.map((row) => ({ ...toRollout(row), pageKey: { createdMicros: Number(row.created_micros), id: row.id } }));
}

/** Ids of rollouts in the given states (RUNNING ones are resumed by a starting scheduler). */
export async function rolloutIdsInState(db: Queryable, states: RolloutState[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM rollouts WHERE state = ANY($1) ORDER BY created_at', [
    states.map((state) => rolloutStates.word(state)),
  ]);
  return rows.map((row) => row.id);
}

/**
 * Moves a rollout to a state, only from one of `from` (an empty list: any). Returns false when the
 * rollout was not in one of them. Sets started_at on the first RUNNING and finished_at on a final state;
 * leaving a final state (RetryFailed runs a FAILED rollout again) clears finished_at, so a rollout has
 * one exactly while it is final. The same statement adds a row to the control outbox (control-outbox.ts):
 * a state stored is a state the relay will publish to executors, whatever happens to the caller next.
 */
export async function setRolloutState(
  db: Queryable,
  id: string,
  state: RolloutState,
  from: RolloutState[],
  haltReason?: string,
): Promise<boolean> {
  const word = rolloutStates.word(state);
  const final = finalRolloutWords.includes(word);
  const { rowCount } = await db.query(
    `WITH changed AS (
       UPDATE rollouts SET state = $2,
         halt_reason = COALESCE($4, halt_reason),
         started_at = CASE WHEN $2 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
         finished_at = CASE WHEN $5 THEN now() ELSE NULL END
       WHERE id = $1 AND (cardinality($3::text[]) = 0 OR state = ANY($3))
       RETURNING id, state)
     INSERT INTO control_outbox (rollout_id, state) SELECT id, state FROM changed`,
    [id, word, from.map((s) => rolloutStates.word(s)), haltReason ?? null, final],
  );
  return Boolean(rowCount);
}

export async function addThrottledSeconds(db: Queryable, id: string, seconds: number): Promise<void> {
  await db.query('UPDATE rollouts SET throttled_seconds = throttled_seconds + $2 WHERE id = $1', [id, seconds]);
}
