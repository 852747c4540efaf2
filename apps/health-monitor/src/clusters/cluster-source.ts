import type { ClusterSpec } from './cluster-spec.js';

/** Where the list of clusters to watch comes from; re-read periodically by the monitor. */
export interface ClusterSource {
  /** "static", "scheduler", …: for logs. */
  kind: string;
  list(): Promise<ClusterSpec[]>;
  close?(): Promise<void>;
}

/** A fixed list (from FLEETSHIFT_CLUSTERS, or given directly by a test). */
export function staticClusterSource(clusters: ClusterSpec[]): ClusterSource {
  return { kind: 'static', list: async () => clusters };
}
