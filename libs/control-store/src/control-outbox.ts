import type { Queryable } from './queryable.js';

/** The unpublished outbox rows of one rollout, as a relay sees them before it publishes. */
export interface PendingControl {
  rolloutId: string;
  /** The rows this publication covers: only these are marked published (rows committed later wait). */
  ids: number[];
  attempts: number;
}

/**
 * Rollouts with unpublished control changes, oldest first (`limit` rollouts; one rollout's when
 * `rolloutId` is given). The relay publishes each
 * rollout's current state once for all its rows: the KV entry holds only the latest state anyway.
 */
export async function pendingControl(db: Queryable, limit = 100, rolloutId?: string): Promise<PendingControl[]> {
  const { rows } = await db.query<{ rollout_id: string; ids: string[]; attempts: number }>(
    `SELECT rollout_id, array_agg(id ORDER BY id) AS ids, max(attempts) AS attempts
       FROM control_outbox WHERE published_at IS NULL AND ($2::text IS NULL OR rollout_id = $2)
      GROUP BY rollout_id ORDER BY min(id) LIMIT $1`,
    [limit, rolloutId ?? null],
  );
  return rows.map((row) => ({ rolloutId: row.rollout_id, ids: row.ids.map(Number), attempts: row.attempts }));
}

/** Marks outbox rows published (rows already published stay as they were). */
export async function markControlPublished(db: Queryable, ids: number[]): Promise<number> {
  if (!ids.length) return 0;
  const { rowCount } = await db.query(
    'UPDATE control_outbox SET published_at = clock_timestamp() WHERE id = ANY($1) AND published_at IS NULL',
    [ids],
  );
  return rowCount ?? 0;
}

/** Records a failed publication of outbox rows (they stay unpublished; the relay tries again). */
export async function recordControlFailure(db: Queryable, ids: number[], error: string): Promise<void> {
  if (!ids.length) return;
  await db.query(
    'UPDATE control_outbox SET attempts = attempts + 1, last_error = left($2, 1000) WHERE id = ANY($1) AND published_at IS NULL',
    [ids, error],
  );
}

/**
 * Queues a publication of the rollouts' current states (a new leader re-asserts every active rollout's
 * control entry: NATS may have lost its bucket while no scheduler led). Returns the rows added.
 */
export async function enqueueRolloutControl(db: Queryable, rolloutIds: string[]): Promise<number> {
  if (!rolloutIds.length) return 0;
  const { rowCount } = await db.query(
    'INSERT INTO control_outbox (rollout_id, state) SELECT id, state FROM rollouts WHERE id = ANY($1)',
    [rolloutIds],
  );
  return rowCount ?? 0;
}

/** Unpublished rows and the age of the oldest, in seconds (a metric: how far the KV lags PostgreSQL). */
export async function controlBacklog(db: Queryable): Promise<{ rows: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ rows: number; oldest: number | null }>(
    `SELECT count(*) AS rows, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
       FROM control_outbox WHERE published_at IS NULL`,
  );
  return { rows: rows[0].rows, oldestSeconds: rows[0].oldest ?? 0 };
}

/** Deletes rows published longer ago than `olderThanSeconds` (the outbox is a queue, not a history). */
export async function pruneControlOutbox(db: Queryable, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM control_outbox WHERE published_at < clock_timestamp() - make_interval(secs => $1)`,
    [olderThanSeconds],
  );
  return rowCount ?? 0;
}
