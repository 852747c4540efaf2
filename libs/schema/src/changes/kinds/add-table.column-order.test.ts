import { randomBytes } from 'node:crypto';
import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../catalog/fingerprint.js';
import type { Catalog } from '../../catalog/model.js';
import { introspect } from '../../introspect/introspect.js';
import { loadDesiredSchema } from '../../load/load-desired-schema.js';
import { buildPlan } from '../../plan/build-plan.js';
import { runPlan } from '@fleetshift/plan-runner';
import { quoteIdent } from '@fleetshift/sql-quote';

let serverUrl: string;
const databases: TestDatabase[] = [];
const tag = `o${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  serverUrl = await findPostgres();
});
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

const source = (text: string, format = SchemaFormat.SCHEMA_FORMAT_SQL): SchemaSource => ({ format, text, filename: 'schema' });
const load = (s: SchemaSource, schema?: string) => loadDesiredSchema(s, { scratchServerUrl: serverUrl, schema, scratchTag: tag });

async function withDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const db = await createTestDatabase('column_order');
  databases.push(db);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Column names of a table in attnum order, as `\d` and `SELECT *` show them. */
async function attnumOrder(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [`${quoteIdent(schema)}.${quoteIdent(table)}`],
  );
  return rows.map((r) => r.attname);
}

/** Creates `to` from nothing in a fresh database with the planner's plan, and reads the order back. */
async function createdOrder(to: Catalog, table: string, schema?: string): Promise<string[]> {
  return withDatabase(async (client) => {
    if (schema) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    const plan = buildPlan(await introspect(client, { schema }), to);
    await runPlan(client, plan, { schema });
    expect(fingerprint(await introspect(client, { schema }))).toBe(fingerprint(to));
    return attnumOrder(client, schema ?? 'public', table);
  });
}

describe('column order of new tables', () => {
  const declared = 'CREATE TABLE orders (zone text, id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL DEFAULT 0, customer text, created_at timestamptz DEFAULT now());';

  it('introspection records each column position in attnum order', async () => {
    const to = await load(source(declared));
    const columns = to.tables.find((t) => t.name === 'orders')!.columns;
    expect(columns.map((c) => c.name)).toEqual(['amount', 'created_at', 'customer', 'id', 'zone']); // the model keeps name order
    expect(Object.fromEntries(columns.map((c) => [c.name, c.position]))).toEqual({ zone: 1, id: 2, amount: 3, customer: 4, created_at: 5 });
  });

  it('a new table is created with its columns in the declared order (database and schema scope)', async () => {
    expect(await createdOrder(await load(source(declared)), 'orders')).toEqual(['zone', 'id', 'amount', 'customer', 'created_at']);
    expect(await createdOrder(await load(source(declared), 'tenant_4'), 'orders', 'tenant_4')).toEqual(['zone', 'id', 'amount', 'customer', 'created_at']);
  });

  it('OmniQL fields keep their order too', async () => {
    const to = await load(source(':CREATE TABLE Invoice WITH id:AUTO, total:DECIMAL(10,2), customer:STRING, createdAt:DATETIME', SchemaFormat.SCHEMA_FORMAT_OMNIQL));
    expect(await createdOrder(to, 'invoices')).toEqual(['id', 'total', 'customer', 'created_at']);
  });

  it('order is not part of the state: a tenant with the same columns in another order (and a dropped one) has the same fingerprint', async () => {
    const to = await load(source(declared));
    const tenant = await withDatabase(async (client) => {
      await client.query('CREATE TABLE orders (id bigint PRIMARY KEY, gone int, created_at timestamptz DEFAULT now(), customer text, amount numeric(10,2) NOT NULL DEFAULT 0, zone text)');
      await client.query('ALTER TABLE orders DROP COLUMN gone');
      return introspect(client);
    });
    const columns = tenant.tables[0]!.columns;
    expect(Object.fromEntries(columns.map((c) => [c.name, c.position]))).toEqual({ id: 1, created_at: 2, customer: 3, amount: 4, zone: 5 });
    expect(fingerprint(tenant)).toBe(fingerprint(to));
    expect(buildPlan(tenant, to).steps).toEqual([]);
  });
});
