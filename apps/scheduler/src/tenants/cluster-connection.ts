import type pg from 'pg';
import type { Cluster, ConnectionTarget, Tenant } from '@fleetshift/contracts';
import { Isolation } from '@fleetshift/contracts';
import { clusterConnectionConfig as sessionConfig, PasswordSourceError } from '@fleetshift/tenant-connection';
import { PreconditionError } from '@fleetshift/telemetry';

/**
 * pg connection settings for one database of a cluster, as its admin user, the password read now from the
 * variable or file the cluster names (never stored or logged). One the scheduler cannot read is a
 * PreconditionError naming the cluster and the variable or file.
 */
export function clusterConnectionConfig(cluster: Cluster, database: string): pg.ClientConfig {
  try {
    return sessionConfig(cluster, database, { applicationName: 'fleetshift-scheduler', connectTimeoutMs: 10_000 });
  } catch (error) {
    if (error instanceof PasswordSourceError) throw new PreconditionError(error.message, { cause: error });
    throw error;
  }
}

/** Where a tenant lives, as executors and the planner receive it (password by name only, the cluster's TLS setting). */
export function tenantTarget(cluster: Cluster, tenant: Pick<Tenant, 'database' | 'schema' | 'isolation'>): ConnectionTarget {
  return {
    host: cluster.host,
    port: cluster.port,
    user: cluster.adminUser,
    database: tenant.database,
    passwordEnv: cluster.passwordEnv,
    passwordFile: cluster.passwordFile,
    schema: tenant.isolation === Isolation.ISOLATION_SCHEMA ? tenant.schema : '',
    sslmode: cluster.sslmode,
    sslRootCertFile: cluster.sslRootCertFile,
  };
}
