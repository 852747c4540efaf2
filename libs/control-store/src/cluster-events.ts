import type { Cluster } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';

/** registered | updated (same endpoint, other settings) | endpoint_replaced (another host or port) */
export type ClusterEventKind = 'registered' | 'updated' | 'endpoint_replaced';

export interface ClusterEvent {
  id: number;
  clusterId: string;
  kind: ClusterEventKind;
  /** host:port before ('' for registered). */
  fromEndpoint: string;
  toEndpoint: string;
  at: Date;
}

/** A cluster's endpoint as its history records it. */
export function clusterEndpointOf(cluster: Pick<Cluster, 'host' | 'port'>): string {
  return `${cluster.host}:${cluster.port}`;
}

/** Appends one event to the cluster's append-only history. */
export async function appendClusterEvent(db: Queryable, event: Omit<ClusterEvent, 'id' | 'at'>): Promise<void> {
  await db.query('INSERT INTO cluster_events (cluster_id, kind, from_endpoint, to_endpoint) VALUES ($1, $2, $3, $4)', [
    event.clusterId,
    event.kind,
    event.fromEndpoint,
    event.toEndpoint,
  ]);
}

/** A cluster's history, oldest first. */
export async function listClusterEvents(db: Queryable, clusterId: string): Promise<ClusterEvent[]> {
  const { rows } = await db.query<{ id: string; cluster_id: string; kind: ClusterEventKind; from_endpoint: string; to_endpoint: string; at: Date }>(
    'SELECT id, cluster_id, kind, from_endpoint, to_endpoint, at FROM cluster_events WHERE cluster_id = $1 ORDER BY id',
    [clusterId],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    clusterId: row.cluster_id,
    kind: row.kind,
    fromEndpoint: row.from_endpoint,
    toEndpoint: row.to_endpoint,
    at: row.at,
  }));
}
