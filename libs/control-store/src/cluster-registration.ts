import type { Cluster } from '@fleetshift/contracts';
import type pg from 'pg';
import { appendClusterEvent, clusterEndpointOf } from './cluster-events.js';
import { getCluster, upsertCluster } from './clusters.js';
import { withTransaction } from './queryable.js';

/** A registration would move an existing cluster to another host or port without `replace`. */
export class ClusterEndpointConflictError extends Error {
  override readonly name = 'ClusterEndpointConflictError';
  constructor(
    readonly clusterId: string,
    readonly currentEndpoint: string,
    readonly requestedEndpoint: string,
  ) {
    super(
      `cluster ${clusterId} is registered at ${currentEndpoint}; registering it at ${requestedEndpoint} moves every tenant on it: ` +
        'register again with replace to do so',
    );
  }
}

export interface ClusterRegistration {
  cluster: Cluster;
  /** The endpoint (host:port) the cluster had before, when the registration changed it. */
  replacedEndpoint?: string;
}

/**
 * Registers a cluster in one transaction, its row locked: a new id is stored ('registered' event); the same
 * endpoint again updates the other settings ('updated'); another host or port needs `replace`
 * ('endpoint_replaced', keeping the endpoint it replaced), else ClusterEndpointConflictError and nothing
 * changes. Two registrations of one id at once take turns on the row.
 */
export async function registerClusterRow(pool: pg.Pool, cluster: Cluster, options: { replace: boolean }): Promise<ClusterRegistration> {
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fleetshift.cluster:${cluster.id}`]);
    const current = await getCluster(client, cluster.id, { forUpdate: true });
    const to = clusterEndpointOf(cluster);
    const from = current ? clusterEndpointOf(current) : '';
    if (current && from !== to && !options.replace) throw new ClusterEndpointConflictError(cluster.id, from, to);
    const stored = await upsertCluster(client, cluster);
    const kind = !current ? 'registered' : from === to ? 'updated' : 'endpoint_replaced';
    await appendClusterEvent(client, { clusterId: cluster.id, kind, fromEndpoint: from, toEndpoint: to });
    return kind === 'endpoint_replaced' ? { cluster: stored, replacedEndpoint: from } : { cluster: stored };
  });
}
