import type { Queryable } from './queryable.js';

/** A rollout still PENDING long after it was created: its creation stopped part-way. */
export interface StalePendingRollout {
  id: string;
  createdAt: Date;
  /** Batches and tenant rows stored for it (both present: complete enough to run). */
  batches: number;
  tenants: number;
}

/**
 * PENDING rollouts created more than `olderThanMs` ago. CreateRollout stores a rollout and makes it
 * RUNNING in one transaction, so a committed PENDING row is one a crash (or an older scheduler)
 * left between the two; the scheduler then runs it or fails it with a reason.
 */
export async function stalePendingRollouts(db: Queryable, olderThanMs: number): Promise<StalePendingRollout[]> {
  const { rows } = await db.query<{ id: string; created_at: Date; batches: number; tenants: number }>(
    `SELECT r.id, r.created_at,
            (SELECT count(*) FROM rollout_batches b WHERE b.rollout_id = r.id) AS batches,
            (SELECT count(*) FROM rollout_tenants t WHERE t.rollout_id = r.id) AS tenants
       FROM rollouts r
      WHERE r.state = 'pending' AND r.created_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
      ORDER BY r.created_at`,
    [olderThanMs],
  );
  return rows.map((row) => ({ id: row.id, createdAt: row.created_at, batches: row.batches, tenants: row.tenants }));
}
