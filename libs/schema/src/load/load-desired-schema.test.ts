import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findPostgres } from '@fleetshift/testing';
import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { fingerprint, catalogsEqual, canonicalJson } from '../catalog/fingerprint.js';
import { SchemaInputError } from '../parse/schema-input-error.js';
import { loadDesiredSchema } from './load-desired-schema.js';
import { withScratchDatabase, SCRATCH_DATABASE_PREFIX } from './scratch-database.js';

let serverUrl: string;
let admin: pg.Client;
/** This file's scratch databases carry this tag, so leftovers are found without racing other test files. */
const tag = `t${randomBytes(4).toString('hex')}`;

const sql = (text: string, filename = 'schema.sql'): SchemaSource => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename });

async function leftoverScratchDatabases(): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
    `${SCRATCH_DATABASE_PREFIX}${tag}\\_%`,
  ]);
  return rows.map((r) => r.datname);
}

async function loadError(source: SchemaSource, schema?: string): Promise<SchemaInputError> {
  const error = await loadDesiredSchema(source, { scratchServerUrl: serverUrl, schema, scratchTag: tag }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SchemaInputError);
  return error as SchemaInputError;
}

const load = (source: SchemaSource, schema?: string) =>
  loadDesiredSchema(source, { scratchServerUrl: serverUrl, schema, scratchTag: tag });

beforeAll(async () => {
  serverUrl = await findPostgres();
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
});

afterAll(async () => {
  for (const name of await leftoverScratchDatabases()) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin?.end();
});

const shop = `
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int REFERENCES customers (id), status status DEFAULT 'new', total numeric(10,2));
CREATE INDEX orders_customer ON orders (customer_id);
COMMENT ON TABLE orders IS 'orders';
`;

describe('loadDesiredSchema', () => {
  it('normalizes the schema with PostgreSQL: types and defaults as PostgreSQL prints them', async () => {
    const catalog = await load(sql(shop));
    const orders = catalog.tables.find((t) => t.name === 'orders');
    expect(orders?.columns.find((c) => c.name === 'status')).toEqual({
      name: 'status',
      position: 3,
      type: 'public.status',
      notNull: false,
      default: "'new'::public.status",
    });
    expect(orders?.comment).toBe('orders');
    expect(catalog.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.customers', 'public.orders']);
  });

  it('loads statements that end in a comment before their semicolon', async () => {
    const catalog = await load(sql('CREATE TABLE a (id int) -- first\n;\nCREATE TABLE b (id int) /* second */;\nCREATE TABLE c (id int) -- last'));
    expect(catalog.tables.map((t) => t.name)).toEqual(['a', 'b', 'c']);
  });

  it('gives the same fingerprint on every load, whatever the column order', async () => {
    const reordered = shop.replace(
      'CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());',
      'CREATE TABLE customers (created_at timestamptz DEFAULT now(), email text NOT NULL UNIQUE, id serial PRIMARY KEY);',
    );
    expect(reordered).not.toBe(shop);
    const [first, second, third] = [await load(sql(shop)), await load(sql(shop)), await load(sql(reordered))];
    expect(fingerprint(first)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(second)).toBe(fingerprint(first));
    expect(fingerprint(third)).toBe(fingerprint(first));
    expect(catalogsEqual(first, third)).toBe(true);
    const changed = await load(sql(shop.replace('total numeric(10,2)', 'total numeric(12,2)')));
    expect(fingerprint(changed)).not.toBe(fingerprint(first));
  });

  it('loads into a schema in schema scope; the fingerprint does not depend on the schema name', async () => {
    const a = await load(sql(shop), 'tenant_one');
    const b = await load(sql(shop), 'Tenant Two');
    expect(a.scope).toBe('tenant_one');
    expect(a.tables.map((t) => [t.schema, t.name])).toEqual([
      ['', 'customers'],
      ['', 'orders'],
    ]);
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(await load(sql(shop))));
  });

  it('reads a partition attached later exactly like one created with PARTITION OF', async () => {
    const parent = `CREATE TABLE events (id int, at date NOT NULL CHECK (at > '2000-01-01'), PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE INDEX events_at_idx ON events (at);\n`;
    const created = await load(sql(`${parent}CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`));
    const attached = await load(
      sql(`${parent}CREATE TABLE events_2024 (id int NOT NULL, at date NOT NULL CONSTRAINT events_at_check CHECK (at > '2000-01-01'));
ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`),
    );
    expect(canonicalJson(attached)).toBe(canonicalJson(created));
    const partition = created.tables.find((t) => t.name === 'events_2024')!;
    expect(partition.constraints.map((c) => [c.name, c.inherited])).toEqual([
      ['events_2024_pkey', true],
      ['events_at_check', true],
    ]);
  });

  it('loads OmniQL', async () => {
    const catalog = await load({
      format: SchemaFormat.SCHEMA_FORMAT_OMNIQL,
      filename: 'app.oql',
      text: ':CREATE TABLE User WITH id:AUTO, email:STRING:NOTNULL:UNIQUE, name:STRING(100)\n:CREATE INDEX idx_user_name ON User (name)',
    });
    const users = catalog.tables[0]!;
    expect(users.name).toBe('users');
    expect(users.columns).toEqual([
      { name: 'email', position: 2, type: 'character varying(255)', notNull: true },
      { name: 'id', position: 1, type: 'integer', notNull: true, identity: 'by default' },
      { name: 'name', position: 3, type: 'character varying(100)', notNull: false },
    ]);
    expect(users.indexes.map((i) => i.name)).toEqual(['idx_user_name', 'users_email_key', 'users_pkey']);
  });

  it('reports a PostgreSQL error at the token, by line and column, and leaves no scratch database', async () => {
    const error = await loadError(sql('CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  mood nosuchtype\n);'));
    expect(error.message).toBe('schema.sql:5:8: type "nosuchtype" does not exist');
    expect(await leftoverScratchDatabases()).toEqual([]);
  });

  it('reports an error without a position at its statement', async () => {
    const error = await loadError(sql('CREATE TABLE a (id int);\n  ALTER TABLE missing ADD CONSTRAINT c CHECK (true);'));
    expect([error.line, error.column]).toEqual([2, 3]);
    expect(error.reason).toMatch(/relation "missing" does not exist/);
  });

  it('reports an error inside a function body at the token in the body', async () => {
    const body = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM a';";
    const error = await loadError(sql(`CREATE TABLE a (id int);\n${body}`));
    expect([error.line, error.column]).toEqual([2, body.indexOf('nosuch') + 1]);
    expect(error.reason).toMatch(/column "nosuch" does not exist/);
  });

  it('reports an OmniQL statement PostgreSQL refuses at the OmniQL line', async () => {
    const error = await loadError({
      format: SchemaFormat.SCHEMA_FORMAT_OMNIQL,
      filename: 'app.oql',
      text: ':CREATE TABLE User WITH id:AUTO\n:CREATE TABLE Post WITH id:AUTO, authorId:INT:REFERENCES Author(id)',
    });
    expect(error.message).toBe('app.oql:2:1: relation "authors" does not exist');
  });

  it('refuses, in schema scope, DDL that would land outside the scope', async () => {
    const qualified = await loadError(sql('CREATE TABLE a (id int);\nCREATE TABLE public.b (id int);'), 'tenant_x');
    expect(qualified.message).toBe(
      'schema.sql:2:1: CREATE TABLE names schema "public", but the schema is loaded into schema "tenant_x": leave names unqualified so they land in it',
    );
    const createSchema = await loadError(sql('CREATE SCHEMA other;'), 'tenant_x');
    expect(createSchema.reason.startsWith('CREATE SCHEMA creates a schema, but')).toBe(true);
    const own = await load(sql('CREATE TABLE tenant_x.a (id int);'), 'tenant_x');
    expect(own.tables.map((t) => t.name)).toEqual(['a']);
    expect(await leftoverScratchDatabases()).toEqual([]);
  });

  it('refuses a non-definition statement before touching the server', async () => {
    const error = await loadError(sql('CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);'));
    expect(error.message.startsWith('schema.sql:2:1: INSERT is not schema definition')).toBe(true);
  });
});

describe('withScratchDatabase', () => {
  it('names the unreachable server, without its password', async () => {
    const error = await withScratchDatabase('postgresql://postgres:secret@127.0.0.1:1/postgres', async () => 1).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^cannot connect to the scratch PostgreSQL server postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres: /);
    expect((error as Error).message).not.toContain('secret');
  });

  it('gives a fresh database and drops it afterwards, also when the callback throws', async () => {
    let name = '';
    const failure = await withScratchDatabase(
      serverUrl,
      async (client, url) => {
        name = new URL(url).pathname.slice(1);
        const { rows } = await client.query<{ db: string; tables: string }>(
          "SELECT current_database() AS db, (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)::text AS tables",
        );
        expect(rows[0]).toEqual({ db: name, tables: '0' });
        throw new Error('callback failed');
      },
      { tag },
    ).catch((e: unknown) => e);
    expect((failure as Error).message).toBe('callback failed');
    expect(name.startsWith(`${SCRATCH_DATABASE_PREFIX}${tag}_`)).toBe(true);
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    expect(rows).toEqual([]);
  });
});
