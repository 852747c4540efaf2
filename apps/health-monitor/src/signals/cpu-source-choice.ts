import { isLocalCluster, type ClusterSpec, type CpuSourceSpec } from '../clusters/cluster-spec.js';
import { localCpuSource } from './cpu-local.js';
import { pgStatsCpuSource } from './cpu-pg-stats.js';
import { postmasterCpuSource } from './cpu-postmaster.js';
import { procStatCpuSource } from './cpu-proc-stat.js';
import { prometheusCpuSource } from './cpu-prometheus.js';
import type { CpuSource } from './cpu-source.js';

/**
 * A CPU source spec with everything filled in. postmaster with `hostFallback` is what `auto` gives a
 * cluster on this host: the whole host's CPU when the postmaster turns out not to be visible.
 */
export type ResolvedCpuSourceSpec =
  | Exclude<CpuSourceSpec, { kind: 'prometheus' }>
  | { kind: 'prometheus'; url: string; query: string }
  | { kind: 'postmaster'; hostFallback?: boolean }
  | { kind: 'pg-stats' };

export interface CpuSourceDefaults {
  /**
   * auto: the postmaster's CPU for a cluster on this host (the host's when the postmaster is not
   * visible), Prometheus for the others when a URL is set, else none. pg-stats is never chosen by auto.
   */
  source: 'auto' | 'postmaster' | 'proc-stat' | 'prometheus' | 'pg-stats' | 'none';
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
    case 'postmaster':
      return { kind: 'postmaster' };
    case 'proc-stat':
      return { kind: 'proc-stat' };
    case 'prometheus':
      return prometheus();
    case 'pg-stats':
      return { kind: 'pg-stats' };
    case 'none':
      return { kind: 'none' };
    case 'auto':
      // The postmaster of a remote server is not in this host's /proc: never chosen for one.
      if (isLocalCluster(spec)) return { kind: 'postmaster', hostFallback: true };
      return defaults.prometheusUrl ? prometheus() : { kind: 'none' };
  }
}

export function createCpuSource(spec: ResolvedCpuSourceSpec, timeoutMs: number): CpuSource | undefined {
  switch (spec.kind) {
    case 'postmaster':
      return spec.hostFallback ? localCpuSource(postmasterCpuSource(), () => procStatCpuSource()) : postmasterCpuSource();
    case 'proc-stat':
      return procStatCpuSource(spec.path);
    case 'prometheus':
      return prometheusCpuSource({ url: spec.url, query: spec.query, timeoutMs });
    case 'pg-stats':
      return pgStatsCpuSource();
    case 'none':
      return undefined;
  }
}
