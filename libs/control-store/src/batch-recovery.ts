import type { Queryable } from './queryable.js';

/** A published batch that has tenants still queued or running and has heard nothing for a while. */
export interface OverdueBatch {
  batchNumber: number;
  clusterId: string;
  attempt: number;
  /** Its tenants still queued or running. */
  openTenants: number;
  /** Milliseconds since it was published or one of its tenants last changed, whichever is later. */
  silentMs: number;
}

/**
 * Published batches of a rollout with tenants still QUEUED/RUNNING whose last sign of life (publication,
 * or any change to one of its tenants: a result, lock retries) is older than `overdueMs` plus
 * `perTenantMs` for each open tenant. Overdue is only a suspicion: a batch waiting its turn behind others
 * of its cluster is silent too, so the caller checks JetStream before publishing it again.
 */
export async function overdueBatches(
  db: Queryable,
  rolloutId: string,
  bound: { overdueMs: number; perTenantMs: number },
): Promise<OverdueBatch[]> {
  const { rows } = await db.query<{ batch_number: number; cluster_id: string; attempt: number; open: number; silent_ms: number }>(
    `SELECT b.batch_number, b.cluster_id, b.attempt, o.open::int AS open,
            (extract(epoch FROM now() - greatest(b.published_at, o.last_change)) * 1000)::float8 AS silent_ms
     FROM rollout_batches b
     JOIN LATERAL (SELECT count(*) FILTER (WHERE t.state IN ('queued', 'running')) AS open, max(t.updated_at) AS last_change
                   FROM rollout_tenants t WHERE t.rollout_id = b.rollout_id AND t.batch_number = b.batch_number) o ON true
     WHERE b.rollout_id = $1 AND b.state = 'published' AND o.open > 0
       AND greatest(b.published_at, o.last_change) < now() - make_interval(secs => ($2 + $3 * o.open) / 1000.0)
     ORDER BY b.batch_number`,
    [rolloutId, bound.overdueMs, bound.perTenantMs],
  );
  return rows.map((row) => ({
    batchNumber: row.batch_number,
    clusterId: row.cluster_id,
    attempt: row.attempt,
    openTenants: row.open,
    silentMs: Math.round(row.silent_ms),
  }));
}

/**
 * Puts a published batch whose message is gone back to pending with the next attempt, its queued and
 * running tenants with it (the next publication carries them; a tenant a lost run had finished is
 * reported again from the executor's ledger without running). Only while the batch is still at
 * `attempt` and published. Returns the new attempt, or undefined when the batch had moved on.
 */
export async function requeueLostBatch(db: Queryable, rolloutId: string, batchNumber: number, attempt: number): Promise<number | undefined> {
  const { rows } = await db.query<{ attempt: number }>(
    `UPDATE rollout_batches SET state = 'pending', attempt = attempt + 1, finished_at = NULL
     WHERE rollout_id = $1 AND batch_number = $2 AND attempt = $3 AND state = 'published' RETURNING attempt`,
    [rolloutId, batchNumber, attempt],
  );
  if (!rows[0]) return undefined;
  await db.query(
    `UPDATE rollout_tenants SET state = 'pending', updated_at = now()
     WHERE rollout_id = $1 AND batch_number = $2 AND state IN ('queued', 'running')`,
    [rolloutId, batchNumber],
  );
  return rows[0].attempt;
}

/**
 * Fails the tenants of a dead-lettered batch publication still queued or running (only those queued in
 * that `attempt`: a later publication of the batch is not touched). Returns the tenant ids failed.
 */
export async function failDeadLetteredTenants(
  db: Queryable,
  rolloutId: string,
  batch: { batchNumber: number; attempt: number },
  error: { message: string; code: string },
): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `UPDATE rollout_tenants SET state = 'failed', error = $4, error_code = $5, finished_at = now(), updated_at = now()
     WHERE rollout_id = $1 AND batch_number = $2 AND batch_attempt = $3 AND state IN ('queued', 'running')
     RETURNING tenant_id`,
    [rolloutId, batch.batchNumber, batch.attempt, error.message, error.code],
  );
  return rows.map((row) => row.tenant_id).sort();
}
