import pg from 'pg';
import type { Cluster } from '@fleetshift/contracts';
import { reportLostSessions } from '@fleetshift/control-store';
import { quoteIdent } from '@fleetshift/sql-quote';
import { connectFailedError, describeClusterDatabase } from '@fleetshift/tenant-connection';
import { tenantDefaults } from '../defaults.js';
import { clusterConnectionConfig } from './cluster-connection.js';

/** SQLSTATEs of a CREATE DATABASE / SCHEMA that lost a race with another creator. */
const alreadyThere = new Set(['42P04', '42P06', '23505']);

/**
 * Connections the scheduler holds to clusters while provisioning: one small pool per cluster's
 * maintenance database (CREATE DATABASE) and per shared database of schema isolation (reused by every
 * tenant in it). A tenant's own database (database isolation) gets a client for the time of its provisioning.
 */
export class TenantDatabases {
  readonly #pools = new Map<string, pg.Pool>();

  /** A pooled connection to `database` on the cluster (kept for reuse). */
  pool(cluster: Cluster, database: string): pg.Pool {
    const key = `${cluster.id}/${cluster.host}:${cluster.port}/${database}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new pg.Pool({
        ...clusterConnectionConfig(cluster, database),
        max: tenantDefaults.provisionPoolSize,
        idleTimeoutMillis: 30_000,
        // The pool's timeout also counts the wait for a free connection: many tenants provisioned at once queue here.
        connectionTimeoutMillis: tenantDefaults.provisionQueueTimeoutMs,
      });
      // A session lost under the pool, checked out or idle, fails its statement instead of the process.
      reportLostSessions(pool);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** A client of its own to one database, closed by the caller. */
  async connect(cluster: Cluster, database: string): Promise<pg.Client> {
    const client = new pg.Client(clusterConnectionConfig(cluster, database));
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      throw connectFailedError(describeClusterDatabase(cluster, database), error);
    }
    return client;
  }

  /** Creates a database when missing; true when this call created it. */
  async ensureDatabase(cluster: Cluster, database: string): Promise<boolean> {
    const pool = this.pool(cluster, cluster.maintenanceDatabase);
    const found = await pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await pool.query(`CREATE DATABASE ${quoteIdent(database)}`);
      return true;
    } catch (error) {
      if (alreadyThere.has((error as { code?: string }).code ?? '')) return false;
      throw new Error(`cannot create database ${database} on cluster ${cluster.id}: ${(error as Error).message}`);
    }
  }

  /** Creates a schema when missing; true when this call created it. */
  async ensureSchema(client: pg.ClientBase, schema: string): Promise<boolean> {
    const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      return true;
    } catch (error) {
      if (alreadyThere.has((error as { code?: string }).code ?? '')) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  }
}

/** True when a database (or one schema of it) holds no relation of its own: a plan from empty fits it. */
export async function holdsNoRelations(client: pg.ClientBase, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE CASE WHEN $1 = '' THEN n.nspname NOT IN ('pg_catalog', 'information_schema', 'fleetshift') AND n.nspname NOT LIKE 'pg\\_%'
                ELSE n.nspname = $1 END`,
    [schema],
  );
  return rows[0].n === 0;
}
