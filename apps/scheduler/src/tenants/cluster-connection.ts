import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { Cluster, ConnectionTarget, Tenant } from '@fleetshift/contracts';
import { Isolation } from '@fleetshift/contracts';
import { PreconditionError } from '../grpc/request-errors.js';

/**
 * The cluster's admin password, read from the environment variable or file the cluster names. It is
 * never stored, logged or put in an error; undefined when the cluster names neither (trust, .pgpass).
 */
export function clusterPassword(cluster: Cluster): string | undefined {
  if (cluster.passwordEnv) {
    const value = process.env[cluster.passwordEnv];
    if (value === undefined) throw new PreconditionError(`cluster ${cluster.id}: password variable ${cluster.passwordEnv} is not set`);
    return value;
  }
  if (cluster.passwordFile) {
    try {
      return readFileSync(cluster.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new PreconditionError(`cluster ${cluster.id}: password file ${cluster.passwordFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return undefined;
}

/** pg connection settings for one database of a cluster, as its admin user. */
export function clusterConnectionConfig(cluster: Cluster, database: string): pg.ClientConfig {
  return {
    host: cluster.host,
    port: cluster.port,
    user: cluster.adminUser,
    password: clusterPassword(cluster),
    database,
    application_name: 'fleetshift-scheduler',
    connectionTimeoutMillis: 10_000,
  };
}

/** host:port/database — never a password. For logs and errors. */
export function describeDatabase(cluster: Cluster, database: string): string {
  return `postgresql://${cluster.adminUser}@${cluster.host}:${cluster.port}/${database}`;
}

/** Where a tenant lives, as executors and the planner receive it (password by name only). */
export function tenantTarget(cluster: Cluster, tenant: Pick<Tenant, 'database' | 'schema' | 'isolation'>): ConnectionTarget {
  return {
    host: cluster.host,
    port: cluster.port,
    user: cluster.adminUser,
    database: tenant.database,
    passwordEnv: cluster.passwordEnv,
    passwordFile: cluster.passwordFile,
    schema: tenant.isolation === Isolation.ISOLATION_SCHEMA ? tenant.schema : '',
  };
}
