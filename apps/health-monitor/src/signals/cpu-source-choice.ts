import { isLocalCluster, type ClusterSpec, type CpuSourceSpec } from '../clusters/cluster-spec.js';

/** A CPU source spec with everything filled in. */
export type ResolvedCpuSourceSpec = Exclude<CpuSourceSpec, { kind: 'prometheus' }> | { kind: 'prometheus'; url: string; query: string };
import { procStatCpuSource } from './cpu-proc-stat.js';
import { prometheusCpuSource } from './cpu-prometheus.js';
import type { CpuSource } from './cpu-source.js';

export interface CpuSourceDefaults {
  /** auto: /proc/stat for a cluster on this host, Prometheus for the others when a URL is set, else none. */
  source: 'auto' | 'proc-stat' | 'prometheus' | 'none';
  prometheusUrl?: string;
  /** PromQL with placeholders {cluster}, {host}, {port}. */
  prometheusQuery: string;
  /** Per-cluster PromQL, overriding the template. */
  prometheusQueries: Record<string, string>;
}

/** Which CPU source a cluster gets: its own spec, else the monitor's defaults. */
export function chooseCpuSourceSpec(spec: ClusterSpec, defaults: CpuSourceDefaults): ResolvedCpuSourceSpec {
  const prometheus = (own?: { url?: string; query?: string }): ResolvedCpuSourceSpec => {
    const url = own?.url ?? defaults.prometheusUrl;
    if (!url) throw new Error(`cluster ${spec.id}: CPU source prometheus needs FLEETSHIFT_PROMETHEUS_URL`);
    const query =
      own?.query ??
      defaults.prometheusQueries[spec.id] ??
      defaults.prometheusQuery.replaceAll('{cluster}', spec.id).replaceAll('{host}', spec.host).replaceAll('{port}', String(spec.port));
    return { kind: 'prometheus', url, query };
  };
  if (spec.cpu?.kind === 'prometheus') return prometheus(spec.cpu);
  if (spec.cpu) return spec.cpu;
  switch (defaults.source) {
    case 'proc-stat':
      return { kind: 'proc-stat' };
    case 'prometheus':
      return prometheus();
    case 'none':
      return { kind: 'none' };
    case 'auto':
      if (isLocalCluster(spec)) return { kind: 'proc-stat' };
      return defaults.prometheusUrl ? prometheus() : { kind: 'none' };
  }
}

export function createCpuSource(spec: ResolvedCpuSourceSpec, timeoutMs: number): CpuSource | undefined {
  switch (spec.kind) {
    case 'proc-stat':
      return procStatCpuSource(spec.path);
    case 'prometheus':
      return prometheusCpuSource({ url: spec.url, query: spec.query, timeoutMs });
    case 'none':
      return undefined;
  }
}
