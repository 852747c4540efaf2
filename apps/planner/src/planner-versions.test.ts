import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat, type ConnectionTarget } from '@fleetshift/contracts';
import { appendSchemaVersion, openControlStore } from '@fleetshift/control-store';
import { createTestDatabase, findPostgres, startService, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { grpcError, plannerTestClient } from './testing/planner-client.js';

const v1 = 'CREATE TABLE items (id bigint PRIMARY KEY, name text);\n';
const v2 = 'CREATE TABLE items (id bigint PRIMARY KEY, name text);\nCREATE INDEX items_name_idx ON items (name);\n';

let control: TestDatabase;
let tenant: TestDatabase;
let service: ServiceProcess;
let client: ReturnType<typeof plannerTestClient>;
let target: ConnectionTarget;

beforeAll(async () => {
  [control, tenant] = await Promise.all([createTestDatabase('planner_ctl'), createTestDatabase('planner_ver')]);
  const pool = await openControlStore(control.url, { max: 2 });
  try {
    const sql = (text: string) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'shop.sql' });
    await appendSchemaVersion(pool, { blueprint: 'shop', schema: sql(v1), fingerprint: 'f1', allowedHazards: [], description: 'v1' });
    await appendSchemaVersion(pool, { blueprint: 'shop', schema: sql(v2), fingerprint: 'f2', allowedHazards: ['INDEX_BUILD'], description: 'v2' });
  } finally {
    await pool.end();
  }
  const c = new pg.Client({ connectionString: tenant.url });
  await c.connect();
  await c.query(v1);
  await c.end();
  const url = new URL(tenant.url);
  target = { host: url.hostname, port: Number(url.port || 5432), user: 'postgres', database: tenant.name, passwordEnv: '', passwordFile: '', schema: '' };
  service = await startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: await findPostgres(), FLEETSHIFT_CONTROL_DB_URL: control.url });
  client = plannerTestClient(`127.0.0.1:${service.grpcPort}`);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await Promise.all([control?.drop(), tenant?.drop()]);
});

describe('Plan with a stored schema version (FLEETSHIFT_CONTROL_DB_URL)', () => {
  it('plans to the latest version (0), whose own allowed hazards apply', async () => {
    const response = await client.plan({ version: { blueprint: 'shop', version: 0 }, tenant: target, allowHazards: [] });
    expect(response.refusedHazards).toEqual([]);
    expect(response.plan!.steps.map((s) => s.sql).join('\n')).toContain('CREATE INDEX CONCURRENTLY "items_name_idx"');
  });

  it('plans to a numbered version: the tenant already at v1 gets an empty plan', async () => {
    const response = await client.plan({ version: { blueprint: 'shop', version: 1 }, tenant: target, allowHazards: [] });
    expect(response.plan!.steps).toEqual([]);
  });

  it('answers NOT_FOUND for a version or blueprint that does not exist', async () => {
    const missingVersion = await grpcError(client.plan({ version: { blueprint: 'shop', version: 9 }, tenant: target, allowHazards: [] }));
    expect(missingVersion.code).toBe(grpc.status.NOT_FOUND);
    expect(missingVersion.details).toContain('shop@9');
    const missingBlueprint = await grpcError(client.plan({ version: { blueprint: 'nope', version: 0 }, tenant: target, allowHazards: [] }));
    expect(missingBlueprint.code).toBe(grpc.status.NOT_FOUND);
  });
});
