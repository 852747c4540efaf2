import type { Cluster } from '@fleetshift/contracts';
import type { ClusterSpec, CpuSourceSpec } from './cluster-spec.js';

/**
 * Cluster labels the monitor reads, so each cluster can say how it is sampled:
 * `cores` (CPU cores of the host), `cpu_source` (proc-stat | prometheus | none),
 * `prometheus_url` and `prometheus_query` (the PromQL giving its CPU percent).
 */
export const clusterLabels = {
  cores: 'cores',
  cpuSource: 'cpu_source',
  prometheusUrl: 'prometheus_url',
  prometheusQuery: 'prometheus_query',
} as const;

/** A registered cluster as the monitor watches it (sampling through the maintenance database). */
export function clusterSpecFromRegistration(cluster: Cluster): ClusterSpec {
  const labels = cluster.labels ?? {};
  const cores = Number(labels[clusterLabels.cores]);
  return {
    id: cluster.id,
    host: cluster.host,
    port: cluster.port || 5432,
    user: cluster.adminUser || 'postgres',
    database: cluster.maintenanceDatabase || 'postgres',
    passwordEnv: cluster.passwordEnv || undefined,
    passwordFile: cluster.passwordFile || undefined,
    sslmode: cluster.sslmode || undefined,
    sslRootCertFile: cluster.sslRootCertFile || undefined,
    cores: Number.isFinite(cores) && cores > 0 ? cores : undefined,
    cpu: cpuFromLabels(labels),
  };
}

/** Unset: the monitor's defaults decide. A Prometheus source without its own URL uses FLEETSHIFT_PROMETHEUS_URL. */
function cpuFromLabels(labels: Record<string, string>): CpuSourceSpec | undefined {
  const query = labels[clusterLabels.prometheusQuery];
  const url = labels[clusterLabels.prometheusUrl];
  switch (labels[clusterLabels.cpuSource]) {
    case 'proc-stat':
      return { kind: 'proc-stat' };
    case 'none':
      return { kind: 'none' };
    case 'prometheus':
      return { kind: 'prometheus', url, query };
    default:
      return query ? { kind: 'prometheus', url, query } : undefined;
  }
}
