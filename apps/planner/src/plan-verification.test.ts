import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat, type ConnectionTarget, type SchemaSource } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, startService, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { grpcError, plannerTestClient } from './testing/planner-client.js';

/**
 * A documented gap of the planner (libs/schema README, "Functions"): a function that a table default
 * calls is created before the tables, so an SQL function reading a table new in the same plan fails.
 * The plan looks fine on paper; only replaying it shows it would fail on the tenant.
 */
const functionReadingNewTable = `CREATE TABLE a (id int);
CREATE FUNCTION count_a() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM a $$;
CREATE TABLE b (id int, n bigint DEFAULT count_a());
`;
const fine = 'CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX t_name_idx ON t (name);\n';

const sql = (text: string, filename = 'schema.sql'): SchemaSource => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename });

let verifying: ServiceProcess;
let trusting: ServiceProcess;
let tenant: TestDatabase;
let target: ConnectionTarget;

beforeAll(async () => {
  const serverUrl = await findPostgres();
  [verifying, trusting, tenant] = await Promise.all([
    startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: serverUrl }),
    startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: serverUrl, FLEETSHIFT_VERIFY_PLANS: 'false' }),
    createTestDatabase('planner_verify'),
  ]);
  const url = new URL(tenant.url);
  target = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database: tenant.name, passwordEnv: '', passwordFile: '', schema: '', sslmode: '', sslRootCertFile: '' };
});

afterAll(async () => {
  await Promise.all([verifying?.stop(), trusting?.stop(), tenant?.drop()]);
});

async function metricsOf(service: ServiceProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
}

describe('plan verification (FLEETSHIFT_VERIFY_PLANS, default true)', () => {
  it('answers a plan that converges', async () => {
    const client = plannerTestClient(`127.0.0.1:${verifying.grpcPort}`);
    try {
      const { plan } = await client.diff({ from: undefined, to: sql(fine), schema: 'tenant_1', allowHazards: [] });
      expect(plan!.steps.length).toBeGreaterThan(0);
      expect((await client.plan({ schema: sql(fine), tenant: target, allowHazards: [] })).plan!.steps.length).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  });

  it('verifies a schema-relative plan whose tables use an extension installed in a shared schema', async () => {
    const shared = 'CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;\nCREATE TABLE u (id int PRIMARY KEY, email public.citext);\n';
    const client = plannerTestClient(`127.0.0.1:${verifying.grpcPort}`);
    try {
      const { plan } = await client.diff({ from: sql(shared), to: sql(`${shared}CREATE INDEX u_email ON u (email);`), schema: 'tenant_2', allowHazards: ['INDEX_BUILD'] });
      expect(plan!.steps.map((s) => s.change)).toEqual(['add-index']);
    } finally {
      client.close();
    }
  });

  it('answers INTERNAL naming the failing step for a plan that would fail on the tenant (Diff and Plan), and logs it', async () => {
    const client = plannerTestClient(`127.0.0.1:${verifying.grpcPort}`);
    try {
      const diffError = await grpcError(client.diff({ from: undefined, to: sql(functionReadingNewTable), schema: '', allowHazards: [] }));
      expect(diffError.code).toBe(grpc.status.INTERNAL);
      expect(diffError.details).toMatch(/does not converge: on a scratch copy of the from-state, step 1 \[create-function\].*relation "a" does not exist/);
      const planError = await grpcError(client.plan({ schema: sql(functionReadingNewTable), tenant: target, allowHazards: [] }));
      expect(planError.code).toBe(grpc.status.INTERNAL);
      expect(planError.details).toContain('does not converge');
    } finally {
      client.close();
    }
    // Nothing reached the tenant: it is still empty.
    const c = new pg.Client({ connectionString: tenant.url });
    await c.connect();
    try {
      expect((await c.query("SELECT 1 FROM pg_class WHERE relname IN ('a', 'b')")).rowCount).toBe(0);
    } finally {
      await c.end();
    }
    const logged = verifying.logs.filter((l) => l.msg === 'request failed' && String((l.err as { message?: string })?.message).includes('does not converge'));
    expect(logged.map((l) => l.method).sort()).toEqual(['Diff', 'Plan'].sort());
    expect(await metricsOf(verifying)).toMatch(/fleetshift_planner_plans_total\{rpc="diff",outcome="not_converged"[^}]*\} 1\n/);
  });

  it('with FLEETSHIFT_VERIFY_PLANS=false answers the same plan unverified', async () => {
    const client = plannerTestClient(`127.0.0.1:${trusting.grpcPort}`);
    try {
      const { plan } = await client.diff({ from: undefined, to: sql(functionReadingNewTable), schema: '', allowHazards: [] });
      expect(plan!.steps[0]!.change).toBe('create-function');
    } finally {
      client.close();
    }
  });

  it('refuses a FLEETSHIFT_VERIFY_PLANS that is not a boolean, naming the variable', async () => {
    await expect(startService('planner', { FLEETSHIFT_VERIFY_PLANS: 'maybe' })).rejects.toThrow(/FLEETSHIFT_VERIFY_PLANS="maybe": expected true or false/);
  });
});
