import type { ClientBase } from 'pg';

export interface ReplicationLag {
  replicas: number;
  /** The largest replay lag of any replica, in seconds (0 when caught up or when there are none). */
  maxLagSeconds: number;
}

/**
 * Replication lag of the cluster's replicas from pg_stat_replication. replay_lag is NULL for a replica
 * that has caught up and has nothing to replay: that counts as no lag.
 */
export async function readReplicationLag(client: ClientBase): Promise<ReplicationLag> {
  const result = await client.query<{ replicas: number; lag: number | null }>(
    `SELECT count(*)::int AS replicas,
            coalesce(max(extract(epoch FROM replay_lag)), 0)::float8 AS lag
       FROM pg_stat_replication`,
  );
  return { replicas: result.rows[0].replicas, maxLagSeconds: result.rows[0].lag ?? 0 };
}
