/**
 * Test fixture (used by the executor's tests only): tenant databases and schemas at "v1" (users,
 * orders), and hand-written v1→v2 plans (users.phone_number, an index built concurrently, a foreign key
 * added NOT VALID then validated) in both flavours: qualified (database isolation) and schema-relative.
 */
import pg from 'pg';
import { ConnectionTarget, Plan, PlanStep, LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { createTestDatabase, type TestDatabase } from '@fleetshift/testing';
import { liveFingerprint } from '../tenant/drift-check.js';

export const testPasswordEnv = 'FLEETSHIFT_PW_TEST_PG';
const testPasswordWithTrust = 'unused-with-trust-auth-3f9c1e';

export const v1Ddl = `
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric);
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 20) g;
INSERT INTO orders SELECT g, 1 + g % 20, g FROM generate_series(1, 50) g;`;

export interface StepOptions {
  lockTimeoutMs?: number;
  /** Extra SQL run as its own transactional step between the column and the index (e.g. a slow one). */
  extraStep?: string;
}

export function v2Steps(qualify: boolean, options: StepOptions = {}): PlanStep[] {
  const q = (name: string) => (qualify ? `public.${name}` : name);
  const lockTimeoutMs = options.lockTimeoutMs ?? 500;
  const step = (fields: Partial<PlanStep>): PlanStep => PlanStep.fromPartial({ lockTimeoutMs, statementTimeoutMs: 0, ...fields });
  const steps = [
    step({ sql: `ALTER TABLE ${q('users')} ADD COLUMN phone_number text`, change: 'add-column', description: 'add column users.phone_number', transactional: true, group: 1, lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE, lockTarget: q('users') }),
  ];
  if (options.extraStep) steps.push(step({ sql: options.extraStep, change: 'test', description: 'test step', transactional: true, group: 2 }));
  steps.push(
    step({
      sql: `CREATE INDEX CONCURRENTLY orders_user_id_idx ON ${q('orders')} (user_id)`,
      cleanupSql: `DROP INDEX CONCURRENTLY IF EXISTS ${q('orders_user_id_idx')}`,
      change: 'add-index',
      description: 'add index orders_user_id_idx',
      transactional: false,
      group: 3,
      lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
      lockTarget: q('orders'),
    }),
    step({ sql: `ALTER TABLE ${q('orders')} ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES ${q('users')} (id) NOT VALID`, change: 'add-foreign-key', description: 'add foreign key orders_user_fk', transactional: true, group: 4, lock: LockLevel.LOCK_LEVEL_SHARE_ROW_EXCLUSIVE, lockTarget: q('orders') }),
    step({ sql: `ALTER TABLE ${q('orders')} VALIDATE CONSTRAINT orders_user_fk`, change: 'add-foreign-key', description: 'validate orders_user_fk', transactional: true, group: 5, lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE, lockTarget: q('orders') }),
  );
  return steps;
}

export interface Fingerprints {
  database: { v1: string; v2: string };
  schema: { v1: string; v2: string };
}

export interface FleetTenant {
  tenantId: string;
  target: ConnectionTarget;
}

export class TestFleet {
  readonly databases: TestDatabase[] = [];
  fingerprints!: Fingerprints;

  /** Computes v1/v2 fingerprints of both scopes by building scratch tenants. */
  async init(): Promise<this> {
    const dbClient = await this.connect(await this.#database('fpdb'));
    const schemaClient = await this.connect(await this.#database('fpschema'));
    try {
      await dbClient.query(v1Ddl);
      const dbV1 = await liveFingerprint(dbClient, '');
      for (const s of v2Steps(true)) await dbClient.query(s.sql);
      const dbV2 = await liveFingerprint(dbClient, '');
      await schemaClient.query(`CREATE SCHEMA s1; SET search_path TO s1; ${v1Ddl}; RESET search_path`);
      const schemaV1 = await liveFingerprint(schemaClient, 's1');
      await schemaClient.query('SET search_path TO s1');
      for (const s of v2Steps(false)) await schemaClient.query(s.sql);
      await schemaClient.query('RESET search_path');
      const schemaV2 = await liveFingerprint(schemaClient, 's1');
      this.fingerprints = { database: { v1: dbV1, v2: dbV2 }, schema: { v1: schemaV1, v2: schemaV2 } };
    } finally {
      await dbClient.end();
      await schemaClient.end();
    }
    return this;
  }

  /** n tenants, one database each, at v1. */
  async databaseTenants(prefix: string, n: number): Promise<FleetTenant[]> {
    const tenants: FleetTenant[] = [];
    for (let i = 0; i < n; i++) {
      const db = await this.#database(`${prefix}${i}`);
      const client = await this.connect(db);
      await client.query(v1Ddl);
      await client.end();
      tenants.push({ tenantId: `${prefix}-${i}`, target: this.#target(db, '') });
    }
    return tenants;
  }

  /** n tenants as schemas of one new database, at v1. */
  async schemaTenants(prefix: string, n: number): Promise<FleetTenant[]> {
    const db = await this.#database(prefix);
    const client = await this.connect(db);
    const tenants: FleetTenant[] = [];
    for (let i = 0; i < n; i++) {
      const schema = `t_${prefix}_${i}`;
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}; ${v1Ddl}; RESET search_path`);
      tenants.push({ tenantId: `${prefix}-${i}`, target: this.#target(db, schema) });
    }
    await client.end();
    return tenants;
  }

  plan(isolation: 'database' | 'schema', options: StepOptions = {}): Plan {
    const fp = isolation === 'database' ? this.fingerprints.database : this.fingerprints.schema;
    return Plan.fromPartial({
      fromFingerprint: fp.v1,
      toFingerprint: fp.v2,
      steps: v2Steps(isolation === 'database', options),
      schemaRelative: isolation === 'schema',
    });
  }

  /** applied_versions rows of version 2 per tenant: tenant id → [rollout id, executor id]. */
  async appliedRows(tenants: FleetTenant[]): Promise<Map<string, Array<[string, string]>>> {
    const byTenant = new Map<string, Array<[string, string]>>();
    for (const tenant of tenants) {
      const client = await this.connectTarget(tenant.target);
      try {
        const { rows } = await client.query<{ rollout_id: string; executor_id: string }>(
          'SELECT rollout_id, executor_id FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = 2',
          [tenant.target.schema],
        );
        byTenant.set(tenant.tenantId, rows.map((r) => [r.rollout_id, r.executor_id]));
      } finally {
        await client.end();
      }
    }
    return byTenant;
  }

  /** A client on a tenant's database (search_path unset). */
  async connectTarget(target: ConnectionTarget): Promise<pg.Client> {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      password: target.passwordEnv ? process.env[target.passwordEnv] : undefined,
      application_name: 'fleetshift-test',
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** The tenant's live fingerprint, read as the executor's drift check reads it. */
  async fingerprintOf(target: ConnectionTarget): Promise<string> {
    const client = await this.connectTarget(target);
    try {
      return await liveFingerprint(client, target.schema);
    } finally {
      await client.end();
    }
  }

  async connect(db: TestDatabase): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: db.url, application_name: 'fleetshift-test' });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async drop(): Promise<void> {
    for (const db of this.databases) await db.drop().catch(() => undefined);
  }

  async #database(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase(`ex_${prefix}`);
    this.databases.push(db);
    return db;
  }

  #target(db: TestDatabase, schema: string): ConnectionTarget {
    const url = new URL(db.url);
    // The password travels the way production's does: by the name of a variable. With trust
    // authentication (no password in the URL) the server never asks for it, but the executor still reads
    // it — tests check that its value never reaches a log line.
    process.env[testPasswordEnv] = url.password ? decodeURIComponent(url.password) : testPasswordWithTrust;
    return ConnectionTarget.fromPartial({
      passwordEnv: testPasswordEnv,
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || 'postgres'),
      database: db.name,
      schema,
    });
  }
}
