import type pg from 'pg';
import type { Cluster, ConnectionTarget } from '@fleetshift/contracts';
import { readPassword } from './password-source.js';
import { checkPasswordSource, secretPolicyFromEnv } from './secret-policy.js';
import { checkTlsSource, tlsOptions } from './tls-options.js';

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

/**
 * pg settings for a session on a tenant target; the password is read now from the source it names, the
 * TLS setting from its sslmode. A source outside the operator's allow-list (secret-policy.ts) throws
 * SecretSourceRefusedError before anything is read — and so before any connection is made.
 */
export function targetConnectionConfig(target: ConnectionTarget, options: SessionOptions): pg.ClientConfig {
  const endpoint = targetEndpoint(target);
  const subject = `tenant ${describeEndpoint(endpoint)}`;
  const policy = secretPolicyFromEnv();
  checkPasswordSource(target, subject, policy);
  checkTlsSource(target, subject, policy);
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    password: readPassword(target, subject, policy),
    ssl: tlsOptions(target, subject, policy),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
  };
}

/** pg settings for a session on one database of a cluster, as its admin user (see targetConnectionConfig). */
export function clusterConnectionConfig(cluster: Cluster, database: string, options: SessionOptions): pg.ClientConfig {
  const endpoint = clusterEndpoint(cluster, database);
  const subject = `cluster ${cluster.id}`;
  const policy = secretPolicyFromEnv();
  checkPasswordSource(cluster, subject, policy);
  checkTlsSource(cluster, subject, policy);
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    password: readPassword(cluster, subject, policy),
    ssl: tlsOptions(cluster, subject, policy),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
  };
}
