import type { Queryable } from './queryable.js';

export interface BatchRow {
  rolloutId: string;
  batchNumber: number;
  clusterId: string;
  attempt: number;
  state: 'pending' | 'published' | 'done';
}

interface Row {
  rollout_id: string;
  batch_number: number;
  cluster_id: string;
  attempt: number;
  state: BatchRow['state'];
}

const toBatch = (row: Row): BatchRow => ({
  rolloutId: row.rollout_id,
  batchNumber: row.batch_number,
  clusterId: row.cluster_id,
  attempt: row.attempt,
  state: row.state,
});

export async function insertBatches(db: Queryable, rolloutId: string, batches: Array<{ batchNumber: number; clusterId: string }>): Promise<void> {
  if (!batches.length) return;
  await db.query(
    `INSERT INTO rollout_batches (rollout_id, batch_number, cluster_id)
     SELECT $1, n, c FROM unnest($2::int[], $3::text[]) AS b(n, c)`,
    [rolloutId, batches.map((b) => b.batchNumber), batches.map((b) => b.clusterId)],
  );
}

/** The next free batch number of a rollout (for tenants requeued on their own). */
export async function nextBatchNumber(db: Queryable, rolloutId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT COALESCE(max(batch_number), 0) + 1 AS n FROM rollout_batches WHERE rollout_id = $1',
    [rolloutId],
  );
  return rows[0].n;
}

export async function listBatches(db: Queryable, rolloutId: string, states?: BatchRow['state'][]): Promise<BatchRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT rollout_id, batch_number, cluster_id, attempt, state FROM rollout_batches
     WHERE rollout_id = $1 AND ($2::text[] IS NULL OR state = ANY($2)) ORDER BY batch_number`,
    [rolloutId, states ?? null],
  );
  return rows.map(toBatch);
}

export async function markBatchPublished(db: Queryable, rolloutId: string, batchNumber: number): Promise<void> {
  await db.query(
    `UPDATE rollout_batches SET state = 'published', published_at = now() WHERE rollout_id = $1 AND batch_number = $2`,
    [rolloutId, batchNumber],
  );
}

/**
 * Marks done every published batch whose tenants are all final. Returns the batch numbers that
 * became done.
 */
export async function closeFinishedBatches(db: Queryable, rolloutId: string): Promise<number[]> {
  const { rows } = await db.query<{ batch_number: number }>(
    `UPDATE rollout_batches b SET state = 'done', finished_at = now()
     WHERE b.rollout_id = $1 AND b.state = 'published'
       AND NOT EXISTS (SELECT 1 FROM rollout_tenants t WHERE t.rollout_id = b.rollout_id AND t.batch_number = b.batch_number
                       AND t.state IN ('pending', 'queued', 'running'))
     RETURNING b.batch_number`,
    [rolloutId],
  );
  return rows.map((row) => row.batch_number);
}

/** Puts a batch back to pending with the next attempt number (RetryFailed, replanned tenants). */
export async function reopenBatch(db: Queryable, rolloutId: string, batchNumber: number): Promise<number> {
  const { rows } = await db.query<{ attempt: number }>(
    `UPDATE rollout_batches SET state = 'pending', attempt = attempt + 1, finished_at = NULL
     WHERE rollout_id = $1 AND batch_number = $2 RETURNING attempt`,
    [rolloutId, batchNumber],
  );
  return rows[0]?.attempt ?? 0;
}
