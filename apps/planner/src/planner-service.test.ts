import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat, type ConnectionTarget, type Plan, type SchemaSource } from '@fleetshift/contracts';
import {
  checkHealth,
  createTestDatabase,
  findPostgres,
  listServicesByReflection,
  startService,
  type ServiceProcess,
  type TestDatabase,
} from '@fleetshift/testing';
import { grpcError, plannerTestClient } from './testing/planner-client.js';

const v1 = `CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL, legacy_flag boolean);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);
`;
const v2 = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, legacy_flag boolean, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
CREATE INDEX orders_user_id_idx ON orders (user_id);
`;
const v3 = v2.replace(', legacy_flag boolean', '');

const sql = (text: string, filename = 'schema.sql'): SchemaSource => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename });

let service: ServiceProcess;
let client: ReturnType<typeof plannerTestClient>;
let address: string;
const databases: TestDatabase[] = [];
let secretsDir: string;

beforeAll(async () => {
  const serverUrl = await findPostgres();
  secretsDir = await mkdtemp(path.join(tmpdir(), 'planner-secrets-'));
  service = await startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: serverUrl, FLEETSHIFT_PW_TENANT_FOR_TEST: 'unused', FLEETSHIFT_SECRETS_DIR: secretsDir });
  address = `127.0.0.1:${service.grpcPort}`;
  client = plannerTestClient(address);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await Promise.all(databases.map((db) => db.drop()));
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
});

async function tenantWith(ddl: string): Promise<{ db: TestDatabase; target: ConnectionTarget }> {
  const db = await createTestDatabase('planner');
  databases.push(db);
  await withClient(db.url, (c) => c.query(ddl));
  const url = new URL(db.url);
  const target: ConnectionTarget = {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    database: db.name,
    passwordEnv: '',
    passwordFile: '',
    schema: '',
    sslmode: '',
    sslRootCertFile: '',
  };
  return { db, target };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** Runs a plan's steps in order, each on its own (what the executor does, without retries). */
async function applySteps(url: string, plan: Plan, searchPath?: string): Promise<void> {
  await withClient(url, async (c) => {
    if (searchPath) await c.query(`SET search_path = "${searchPath}"`);
    for (const step of plan.steps) await c.query(step.sql);
  });
}

describe('planner process', () => {
  it('serves PlannerService with health and reflection', async () => {
    expect(await listServicesByReflection(address)).toContain('fleetshift.v1.PlannerService');
    expect(await checkHealth(address, 'fleetshift.v1.PlannerService')).toBe('SERVING');
  });
});

describe('Diff', () => {
  it('plans text A to text B with fingerprints and lock-safe steps', async () => {
    const { plan, refusedHazards } = await client.diff({ from: sql(v1), to: sql(v2), schema: '', allowHazards: ['INDEX_BUILD'] });
    expect(refusedHazards).toEqual([]);
    expect(plan!.fromFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(plan!.toFingerprint).not.toBe(plan!.fromFingerprint);
    expect(plan!.steps.some((s) => /CREATE INDEX CONCURRENTLY/.test(s.sql) && !s.transactional)).toBe(true);
    expect(plan!.schemaRelative).toBe(false);
  });

  it('answers refused hazards and no plan when a hazard is not allowed, the plan when it is', async () => {
    const refused = await client.diff({ from: sql(v2), to: sql(v3), schema: '', allowHazards: [] });
    expect(refused.plan).toBeUndefined();
    expect(refused.refusedHazards.map((h) => h.code)).toContain('DELETES_DATA');
    const allowed = await client.diff({ from: sql(v2), to: sql(v3), schema: '', allowHazards: ['DELETES_DATA'] });
    expect(allowed.refusedHazards).toEqual([]);
    expect(allowed.plan!.hazards.map((h) => h.code)).toContain('DELETES_DATA');
    const all = await client.diff({ from: sql(v2), to: sql(v3), schema: '', allowHazards: ['all'] });
    expect(all.plan).toEqual(allowed.plan);
  });

  it('treats an absent from-state as an empty database, and plans schema-relative with `schema`', async () => {
    const { plan } = await client.diff({ from: undefined, to: sql(v1), schema: 'tenant_7', allowHazards: [] });
    expect((await client.diff({ from: sql(''), to: sql(v1), schema: 'tenant_7', allowHazards: [] })).plan).toEqual(plan);
    const emptyOmniql = { format: SchemaFormat.SCHEMA_FORMAT_OMNIQL, text: '', filename: 'empty' };
    expect((await client.diff({ from: emptyOmniql, to: sql(v1), schema: 'tenant_7', allowHazards: [] })).plan).toEqual(plan);
    expect(plan!.schemaRelative).toBe(true);
    expect(plan!.steps.length).toBeGreaterThan(0);
    expect(plan!.steps.map((s) => s.sql).join('\n')).not.toContain('tenant_7');
  });

  it('answers INVALID_ARGUMENT with file:line:column for a syntax error', async () => {
    const error = await grpcError(client.diff({ from: sql(v1), to: sql('CREATE TABLE a (id int);\nCREATE TABLE b (id int,, x int);', 'v9.sql'), schema: '', allowHazards: [] }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^v9\.sql:2:\d+: /);
  });

  it('answers INVALID_ARGUMENT when `to` is missing', async () => {
    const error = await grpcError(client.diff({ from: sql(v1), to: undefined, schema: '', allowHazards: [] }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain('to is required');
  });
});

describe('Plan', () => {
  it('plans a live tenant to the desired text; applied, the tenant re-plans to an empty plan', async () => {
    const { db, target } = await tenantWith(v1);
    const first = await client.plan({ schema: sql(v2), tenant: target, allowHazards: ['INDEX_BUILD'] });
    expect(first.refusedHazards).toEqual([]);
    const introspected = await client.introspect({ tenant: target });
    expect(first.plan!.fromFingerprint).toBe(introspected.fingerprint);
    expect(service.logs).toContainEqual(expect.objectContaining({ msg: 'planned', rpc: 'plan', target: `${target.host}:${target.port}/${target.database}` }));
    await applySteps(db.url, first.plan!);
    const again = await client.plan({ schema: sql(v2), tenant: target, allowHazards: [] });
    expect(again.plan!.steps).toEqual([]);
    expect(again.plan!.fromFingerprint).toBe(first.plan!.toFingerprint);
  });

  it('plans one schema of a shared database (schema-per-tenant)', async () => {
    const { db, target } = await tenantWith(`CREATE SCHEMA t1; CREATE SCHEMA t2; SET search_path = t1; ${v1} SET search_path = t2; ${v1}`);
    const { plan } = await client.plan({ schema: sql(v2), tenant: { ...target, schema: 't1' }, allowHazards: ['INDEX_BUILD'] });
    expect(plan!.schemaRelative).toBe(true);
    await applySteps(db.url, plan!, 't1');
    const t1 = await client.plan({ schema: sql(v2), tenant: { ...target, schema: 't1' }, allowHazards: [] });
    expect(t1.plan!.steps).toEqual([]);
    const t2 = await client.plan({ schema: sql(v2), tenant: { ...target, schema: 't2' }, allowHazards: [] });
    expect(t2.refusedHazards.map((h) => h.code)).toEqual(['INDEX_BUILD']);
  });

  it('refuses hazards without a plan, and the tenant is untouched', async () => {
    const { target } = await tenantWith(v2);
    const before = await client.introspect({ tenant: target });
    const response = await client.plan({ schema: sql(v3), tenant: target, allowHazards: [] });
    expect(response.plan).toBeUndefined();
    expect(response.refusedHazards.map((h) => h.code)).toContain('DELETES_DATA');
    expect((await client.introspect({ tenant: target })).fingerprint).toBe(before.fingerprint);
  });

  it('answers UNAVAILABLE naming host:port/database for an unreachable tenant, without the password', async () => {
    const target: ConnectionTarget = { host: '127.0.0.1', port: 1, user: 'postgres', database: 'tenant_42', passwordEnv: 'FLEETSHIFT_PW_TENANT_FOR_TEST', passwordFile: '', schema: '', sslmode: '', sslRootCertFile: '' };
    const error = await grpcError(client.plan({ schema: sql(v2), tenant: target, allowHazards: [] }));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain('127.0.0.1:1/tenant_42');
    expect(error.details).not.toContain('unused');
  });

  it('answers INVALID_ARGUMENT for bad desired text before touching the tenant', async () => {
    const target: ConnectionTarget = { host: '127.0.0.1', port: 1, user: 'postgres', database: 'x', passwordEnv: '', passwordFile: '', schema: '', sslmode: '', sslRootCertFile: '' };
    const error = await grpcError(client.plan({ schema: sql('CREATE TABLE (', 'desired.sql'), tenant: target, allowHazards: [] }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^desired\.sql:1:\d+: /);
  });

  it('answers FAILED_PRECONDITION when password_env names a variable the planner does not have', async () => {
    const { target } = await tenantWith(v1);
    const error = await grpcError(client.plan({ schema: sql(v2), tenant: { ...target, passwordEnv: 'FLEETSHIFT_PW_NO_SUCH_VAR' }, allowHazards: [] }));
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error.details).toContain('FLEETSHIFT_PW_NO_SUCH_VAR');
  });

  it('reads the password from password_file; an unreadable one is FAILED_PRECONDITION naming the path', async () => {
    const { target } = await tenantWith(v2);
    const dir = secretsDir; // password files must be inside the planner's FLEETSHIFT_SECRETS_DIR
    await writeFile(path.join(dir, 'pw'), 'not-checked-under-trust\n');
    const ok = await client.plan({ schema: sql(v2), tenant: { ...target, passwordFile: path.join(dir, 'pw') }, allowHazards: [] });
    expect(ok.plan!.steps).toEqual([]);
    const error = await grpcError(client.plan({ schema: sql(v2), tenant: { ...target, passwordFile: path.join(dir, 'missing') }, allowHazards: [] }));
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error.details).toContain(path.join(dir, 'missing'));
    await rm(path.join(dir, 'pw'), { force: true });
  });

  it('answers UNAVAILABLE for a tenant database that does not exist', async () => {
    const { target } = await tenantWith('');
    const error = await grpcError(client.plan({ schema: sql(v2), tenant: { ...target, database: 'fs_no_such_tenant' }, allowHazards: [] }));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain(`${target.host}:${target.port}/fs_no_such_tenant`);
  });

  it('answers NOT_FOUND naming the tenant for a tenant schema that does not exist (Plan and Introspect)', async () => {
    const { target } = await tenantWith('CREATE SCHEMA tenant_1');
    const missing = { ...target, schema: 'tenant_2' };
    const planError = await grpcError(client.plan({ schema: sql(v2), tenant: missing, allowHazards: [] }));
    expect(planError.code).toBe(grpc.status.NOT_FOUND);
    expect(planError.details).toBe(`tenant ${target.host}:${target.port}/${target.database} schema tenant_2: schema "tenant_2" does not exist in this database`);
    const introspectError = await grpcError(client.introspect({ tenant: missing }));
    expect(introspectError.code).toBe(grpc.status.NOT_FOUND);
    expect((await client.introspect({ tenant: { ...target, schema: 'tenant_1' } })).fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers INVALID_ARGUMENT without a tenant or without a desired schema', async () => {
    const noTenant = await grpcError(client.plan({ schema: sql(v2), tenant: undefined, allowHazards: [] }));
    expect(noTenant.code).toBe(grpc.status.INVALID_ARGUMENT);
    const { target } = await tenantWith('');
    const noDesired = await grpcError(client.plan({ schema: undefined, tenant: target, allowHazards: [] }));
    expect(noDesired.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noDesired.details).toContain('desired');
  });
});

describe('Introspect, ValidateSchema, Lint', () => {
  it('introspects a tenant: fingerprint, canonical catalog JSON, counts', async () => {
    const { target } = await tenantWith(v2);
    const response = await client.introspect({ tenant: target });
    expect(response.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(response.tables).toBe(2);
    expect(response.indexes).toBe(3);
    const catalog = JSON.parse(response.catalogJson);
    expect(catalog.tables.map((t: { name: string }) => t.name)).toEqual(['orders', 'users']);
  });

  it('validates a schema: the fingerprint equals the one of a tenant holding it', async () => {
    const { target } = await tenantWith(v2);
    const validated = await client.validateSchema({ schema: sql(v2), schemaName: '' });
    expect(validated).toMatchObject({ tables: 2, indexes: 3 });
    expect(validated.fingerprint).toBe((await client.introspect({ tenant: target })).fingerprint);
  });

  it('refuses a schema with a statement that is not schema definition', async () => {
    const error = await grpcError(client.validateSchema({ schema: sql('CREATE TABLE t (id int);\nDELETE FROM t;', 'v.sql'), schemaName: '' }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^v\.sql:2:\d+: .*DELETE/);
  });

  it('lints SQL text for locking hazards', async () => {
    const { findings } = await client.lint({ sql: 'SELECT 1;\nCREATE INDEX i ON t (a);', filename: 'm.sql' });
    expect(findings).toContainEqual(expect.objectContaining({ rule: 'create-index-not-concurrently', line: 2, column: 1 }));
  });

  it('answers INVALID_ARGUMENT with file:line:column for SQL the parser rejects', async () => {
    const error = await grpcError(client.lint({ sql: 'SELECT 1;\nCREATE INDEX ON;', filename: 'm.sql' }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^m\.sql:2:\d+: /);
  });
});

describe('metrics', () => {
  it('counts plans by outcome and times them', async () => {
    const response = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`);
    const text = await response.text();
    expect(text).toMatch(/fleetshift_planner_plans_total\{[^}]*rpc="diff"[^}]*outcome="refused"[^}]*\} [1-9]/);
    expect(text).toMatch(/fleetshift_planner_plans_total\{[^}]*rpc="plan"[^}]*outcome="unavailable"[^}]*\} [1-9]/);
    expect(text).toMatch(/fleetshift_planner_plan_duration_seconds_count\{[^}]*rpc="plan"[^}]*\} [1-9]/);
  });
});
