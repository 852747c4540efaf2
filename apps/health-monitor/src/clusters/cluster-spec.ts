import { describeEndpoint } from '@fleetshift/tenant-connection';

/** Where a cluster's CPU utilisation comes from. */
export type CpuSourceSpec =
  | { kind: 'proc-stat'; path?: string }
  /** Without url or query: the monitor's FLEETSHIFT_PROMETHEUS_URL / query template. */
  | { kind: 'prometheus'; url?: string; query?: string }
  | { kind: 'none' };

/** One database cluster to watch. The password is never carried as text except from a static URL. */
export interface ClusterSpec {
  id: string;
  host: string;
  port: number;
  user: string;
  /** The database the sampling session connects to (pg_stat_activity covers every database). */
  database: string;
  /** Name of an environment variable holding the password. */
  passwordEnv?: string;
  /** A file holding the password (trailing newline ignored). */
  passwordFile?: string;
  /** A password given inline in a static cluster URL. */
  password?: string;
  /** TLS of the sampling session (disable | prefer | require | verify-ca | verify-full); unset: disable. */
  sslmode?: string;
  /** CA file for verify-ca / verify-full, inside FLEETSHIFT_SECRETS_DIR. */
  sslRootCertFile?: string;
  /** CPU cores of the database host (divides active sessions); unset: this host's cores when local. */
  cores?: number;
  /** Unset: decided by the monitor's configuration (FLEETSHIFT_CPU_SOURCE). */
  cpu?: CpuSourceSpec;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when the cluster runs on this host (so /proc/stat and os.cpus() describe it). */
export function isLocalCluster(spec: Pick<ClusterSpec, 'host'>): boolean {
  return loopbackHosts.has(spec.host) || spec.host.startsWith('/');
}

/** host:port/database as it may appear in a log line: never the password. */
export function describeCluster(spec: ClusterSpec): string {
  return describeEndpoint(spec);
}
