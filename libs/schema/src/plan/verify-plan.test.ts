import { randomBytes } from 'node:crypto';
import { SchemaFormat, type Plan } from '@fleetshift/contracts';
import { findPostgres } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/model.js';
import { loadDesiredSchema } from '../load/load-desired-schema.js';
import { SCRATCH_DATABASE_PREFIX } from '../load/scratch-database.js';
import { buildPlan } from './build-plan.js';
import { PlanDidNotConvergeError } from './plan-did-not-converge.js';
import { parseSchemaSql } from '../parse/sql-parser.js';
import { extensionStatements, verifyPlan } from './verify-plan.js';

let serverUrl: string;
/** This file's scratch databases carry this tag, so leftovers are found without racing other test files. */
const tag = `v${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  serverUrl = await findPostgres();
});

async function scratchLeftovers(): Promise<string[]> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${SCRATCH_DATABASE_PREFIX}${tag}\\_%`]);
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

afterAll(async () => {
  expect(await scratchLeftovers()).toEqual([]);
});

const load = (text: string, schema?: string): Promise<Catalog> =>
  loadDesiredSchema({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'schema.sql' }, { scratchServerUrl: serverUrl, schema, scratchTag: tag });
const verify = (from: Catalog, plan: Plan, to: Catalog, schema?: string, prelude?: string[]) =>
  verifyPlan(from, plan, to, { scratchServerUrl: serverUrl, schema, scratchTag: tag, prelude });

async function nonConvergence(promise: Promise<unknown>): Promise<PlanDidNotConvergeError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PlanDidNotConvergeError);
  return error as PlanDidNotConvergeError;
}

const v1 = `
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, mood mood DEFAULT 'ok');
CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint, total numeric(10,2));
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
`;
const v2 = `
CREATE TYPE mood AS ENUM ('ok', 'sad', 'glad');
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, mood mood DEFAULT 'ok', created_at timestamptz DEFAULT now());
CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint CONSTRAINT orders_user_fk REFERENCES users (id), total numeric(14,2));
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE VIEW big_orders AS SELECT id, total, user_id FROM orders WHERE total > 100;
CREATE TABLE audit (at timestamptz NOT NULL, what text);
`;

describe('verifyPlan', () => {
  it('accepts a plan that brings a copy of the from-state (with a NOT VALID foreign key) to the target', async () => {
    const [from, to] = await Promise.all([load(v1), load(v2)]);
    expect(from.tables.find((t) => t.name === 'orders')?.constraints.find((c) => c.name === 'orders_user_fk')?.validated).toBe(false);
    const plan = buildPlan(from, to);
    expect(plan.steps.length).toBeGreaterThan(5);
    await expect(verify(from, plan, to)).resolves.toBeUndefined();
  });

  it('accepts a schema-relative plan, replayed with search_path set to the schema', async () => {
    const [from, to] = await Promise.all([load(v1, 'tenant_9'), load(v2, 'tenant_9')]);
    const plan = buildPlan(from, to);
    expect(plan.schemaRelative).toBe(true);
    await expect(verify(from, plan, to, 'tenant_9')).resolves.toBeUndefined();
  });

  it('accepts an empty plan, and a plan from an empty database', async () => {
    const [empty, to] = await Promise.all([load(''), load(v2)]);
    await expect(verify(to, buildPlan(to, to), to)).resolves.toBeUndefined();
    await expect(verify(empty, buildPlan(empty, to), to)).resolves.toBeUndefined();
  });

  it('refuses a plan missing a step, naming the objects that differ', async () => {
    const [from, to] = await Promise.all([load(v1), load(v2)]);
    const plan = buildPlan(from, to);
    const withoutIndex = { ...plan, steps: plan.steps.filter((s) => !(s.change === 'add-index' && s.sql.includes('orders_user_idx'))) };
    expect(withoutIndex.steps.length).toBe(plan.steps.length - 1);
    const error = await nonConvergence(verify(from, withoutIndex, to));
    expect(error.stage).toBe('result');
    expect(error.differences).toEqual(['table public.orders: index orders_user_idx: missing']);
    expect(error.message).toContain(`plan ${plan.fromFingerprint.slice(0, 12)} → ${plan.toFingerprint.slice(0, 12)} does not converge`);
    expect(error.message).toContain('table public.orders: index orders_user_idx: missing');
  });

  it('refuses a plan whose step fails on the copy, naming the step', async () => {
    const [from, to] = await Promise.all([load(v1), load(v2)]);
    const plan = buildPlan(from, to);
    const broken = { ...plan, steps: plan.steps.map((s, i) => (i === 1 ? { ...s, sql: 'ALTER TABLE public.nosuch ADD COLUMN x int' } : s)) };
    const error = await nonConvergence(verify(from, broken, to));
    expect(error.stage).toBe('apply');
    expect(error.step).toBe(2);
    expect(error.message).toMatch(/step 2 \[.*\].*relation "public\.nosuch" does not exist/);
  });

  it('refuses a plan that goes somewhere else than the target', async () => {
    const [from, to, other] = await Promise.all([load(v1), load(v2), load(`${v2}\nCREATE TABLE extra (id int);`)]);
    const error = await nonConvergence(verify(from, buildPlan(from, other), { ...to }));
    expect(error.stage).toBe('result');
    expect(error.differences).toEqual(['table public.extra: unexpected']);
  });

  it('refuses to verify a plan against a from-state it was not computed from', async () => {
    const [from, to] = await Promise.all([load(v1), load(v2)]);
    await expect(verify(to, buildPlan(from, to), to)).rejects.toThrow(/was computed from [0-9a-f]{64}, not from the given from-state/);
  });

  it('in schema scope, copies a from-state using an extension of a shared schema given the desired CREATE EXTENSION (prelude)', async () => {
    const shared = 'CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;\nCREATE TABLE u (id int PRIMARY KEY, email public.citext);\n';
    const [from, to] = await Promise.all([load(shared, 'tenant_c'), load(`${shared}CREATE INDEX u_email ON u (email);`, 'tenant_c')]);
    expect(from.extensions).toEqual([]); // outside the catalog: it lives in public
    const plan = buildPlan(from, to);
    const error = await nonConvergence(verify(from, plan, to, 'tenant_c'));
    expect(error.stage).toBe('from-state');
    expect(error.message).toContain('type "public.citext" does not exist');
    const prelude = extensionStatements(await parseSchemaSql(shared));
    expect(prelude).toEqual(['CREATE EXTENSION IF NOT EXISTS citext SCHEMA public']);
    await expect(verify(from, plan, to, 'tenant_c', prelude)).resolves.toBeUndefined();
  });

  it('in schema scope, an extension the plan installs in the schema itself is not pre-installed by the prelude', async () => {
    const inScope = 'CREATE EXTENSION citext;\nCREATE TABLE u (id int PRIMARY KEY, email citext);\n';
    const [from, to] = await Promise.all([load('CREATE TABLE u (id int PRIMARY KEY);', 'tenant_d'), load(inScope, 'tenant_d')]);
    expect(to.extensions).toEqual([{ name: 'citext', schema: '', version: expect.any(String) }]);
    const plan = buildPlan(from, to);
    await expect(verify(from, plan, to, 'tenant_d', extensionStatements(await parseSchemaSql(inScope)))).resolves.toBeUndefined();
  });
});
