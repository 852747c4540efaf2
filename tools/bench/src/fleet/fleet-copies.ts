import pg from 'pg';
import { databaseUrl } from '@fleetshift/testing';
import { quoteIdent } from '@fleetshift/sql-quote';
import { blueprintV1 } from './fleet-blueprint.js';
import { placeTenants, type Fleet, type FleetKind } from './fleet.js';

/** Tenants loaded per transaction: each creates ~10 relations, and one transaction's locks are bounded. */
const tenantsPerTransaction = 20;

/**
 * A fleet at v1 built once (`<blueprint>_master`) and copied for each way, so that every way starts
 * from the same bytes: schema isolation copies the one database holding every tenant schema; database
 * isolation copies one tenant database once per tenant (CREATE DATABASE … TEMPLATE). The master is
 * vacuumed and analyzed first, so that no copy starts with autovacuum work of its own.
 */
export class FleetMaster {
  private constructor(
    readonly kind: FleetKind,
    readonly blueprint: string,
    readonly serverUrl: string,
    readonly tenantCount: number,
    readonly rows: number,
  ) {}

  get masterDatabase(): string {
    return `${this.blueprint}_master`;
  }

  static async build(kind: FleetKind, blueprint: string, serverUrl: string, tenantCount: number, rows: number): Promise<FleetMaster> {
    const master = new FleetMaster(kind, blueprint, serverUrl, tenantCount, rows);
    await onServer(serverUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(master.masterDatabase)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${quoteIdent(master.masterDatabase)} TEMPLATE template0`);
    });
    const client = new pg.Client({ connectionString: databaseUrl(serverUrl, master.masterDatabase), application_name: 'fleetshift-bench' });
    await client.connect();
    try {
      const schemas = kind === 'schema' ? placeTenants(kind, blueprint, tenantCount).map((t) => t.schema!) : [undefined];
      for (let i = 0; i < schemas.length; i += tenantsPerTransaction) {
        await client.query(['BEGIN', ...schemas.slice(i, i + tenantsPerTransaction).map((s) => loadTenantSql(s, rows)), 'COMMIT'].join(';\n'));
      }
      await client.query('VACUUM (ANALYZE)');
    } finally {
      await client.end();
    }
    return master;
  }

  /** A fresh copy of the fleet at v1 (the databases must not exist; see dropCopy). */
  async copy(): Promise<Fleet> {
    const fleet = this.unprovisioned();
    const databases = [...new Set(fleet.tenants.map((t) => t.database))];
    await onServer(this.serverUrl, async (c) => {
      for (const name of databases) await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(this.masterDatabase)}`);
    });
    return fleet;
  }

  /**
   * The fleet's tenants without their databases or schemas, for a way that provisions them itself;
   * fill() then loads the same rows as the master's into them (which must then exist at v1).
   */
  unprovisioned(): Fleet {
    const tenants = placeTenants(this.kind, this.blueprint, this.tenantCount);
    const fill = async () => {
      const byDatabase = new Map<string, Array<string | undefined>>();
      for (const t of tenants) byDatabase.set(t.database, [...(byDatabase.get(t.database) ?? []), t.schema]);
      for (const [database, schemas] of byDatabase) {
        const client = new pg.Client({ connectionString: databaseUrl(this.serverUrl, database), application_name: 'fleetshift-bench' });
        await client.connect();
        try {
          for (let i = 0; i < schemas.length; i += tenantsPerTransaction) {
            const batch = schemas.slice(i, i + tenantsPerTransaction).map((s) => tenantRowsSql(s, this.rows));
            await client.query(['BEGIN', ...batch, 'COMMIT'].join(';\n'));
          }
          await client.query('VACUUM (ANALYZE)');
        } finally {
          await client.end();
        }
      }
    };
    return { kind: this.kind, blueprint: this.blueprint, serverUrl: this.serverUrl, tenants, rows: this.rows, fill };
  }

  /** Drops a copy's databases (and whatever else a way left in them). */
  async dropCopy(): Promise<void> {
    const databases = [...new Set(placeTenants(this.kind, this.blueprint, this.tenantCount).map((t) => t.database))];
    await onServer(this.serverUrl, async (c) => {
      for (const name of databases) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    });
  }

  async drop(): Promise<void> {
    await this.dropCopy();
    await onServer(this.serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(this.masterDatabase)} WITH (FORCE)`));
  }
}

/**
 * One tenant at v1 with data: `rows` orders over rows/10 users (every user named, so NOT NULL can be
 * set), totals ≥ 0 (the CHECK holds), every order's user present (the foreign key holds).
 */
export function loadTenantSql(schema: string | undefined, rows: number): string {
  return [
    ...(schema ? [`CREATE SCHEMA ${quoteIdent(schema)}`, `SET LOCAL search_path = ${quoteIdent(schema)}`] : []),
    blueprintV1,
    tenantRowsSql(undefined, rows),
  ].join(';\n');
}

/** The rows of one tenant that exists at v1 (inside a transaction: SET LOCAL). */
export function tenantRowsSql(schema: string | undefined, rows: number): string {
  const users = Math.max(1, Math.floor(rows / 10));
  return [
    ...(schema ? [`SET LOCAL search_path = ${quoteIdent(schema)}`] : []),
    `INSERT INTO users (email, name) SELECT 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, ${users}) AS g`,
    `INSERT INTO orders (user_id, total_cents, status) SELECT 1 + (g % ${users}), (g * 37) % 10000, 'new' FROM generate_series(1, ${rows}) AS g`,
  ].join(';\n');
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
