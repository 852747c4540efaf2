import type pg from 'pg';
import type { Cluster, ConnectionTarget } from '@fleetshift/contracts';
import { readPassword } from './password-source.js';

/** What a target or cluster that names no host, port or user connects to. */
export const connectionDefaults = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

/** Where a session goes, without any password. */
export interface ConnectionEndpoint {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface SessionOptions {
  /** application_name of the session (visible in pg_stat_activity). */
  applicationName: string;
  connectTimeoutMs: number;
}

/** The endpoint of a tenant's ConnectionTarget, defaults applied. */
export function targetEndpoint(target: ConnectionTarget): ConnectionEndpoint {
  return {
    host: target.host || connectionDefaults.host,
    port: target.port || connectionDefaults.port,
    user: target.user || connectionDefaults.user,
    database: target.database,
  };
}

/** The endpoint of one database of a cluster, as its admin user. */
export function clusterEndpoint(cluster: Cluster, database: string): ConnectionEndpoint {
  return {
    host: cluster.host || connectionDefaults.host,
    port: cluster.port || connectionDefaults.port,
    user: cluster.adminUser || connectionDefaults.user,
    database,
  };
}

/** `postgresql://user@host:port/database` — never a password: this is what logs and error messages name. */
export function describeEndpoint(endpoint: ConnectionEndpoint): string {
  return `postgresql://${endpoint.user}@${endpoint.host}:${endpoint.port}/${endpoint.database}`;
}

/** A tenant target as messages name it (see describeEndpoint). */
export function describeTarget(target: ConnectionTarget): string {
  return describeEndpoint(targetEndpoint(target));
}

/** One database of a cluster as messages name it (see describeEndpoint). */
export function describeClusterDatabase(cluster: Cluster, database: string): string {
  return describeEndpoint(clusterEndpoint(cluster, database));
}

/** pg settings for a session on a tenant target; the password is read now from the source it names. */
export function targetConnectionConfig(target: ConnectionTarget, options: SessionOptions): pg.ClientConfig {
  const endpoint = targetEndpoint(target);
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    password: readPassword(target, `tenant ${describeEndpoint(endpoint)}`),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
  };
}

/** pg settings for a session on one database of a cluster, as its admin user; the password is read now. */
export function clusterConnectionConfig(cluster: Cluster, database: string, options: SessionOptions): pg.ClientConfig {
  const endpoint = clusterEndpoint(cluster, database);
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    password: readPassword(cluster, `cluster ${cluster.id}`),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
  };
}
