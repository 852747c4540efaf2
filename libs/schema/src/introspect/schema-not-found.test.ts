import { createTestDatabase, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '@fleetshift/sql-quote';
import { introspect } from './introspect.js';
import { SchemaNotFoundError } from './schema-not-found.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('schema_not_found');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${quoteIdent('tenant_1')}; CREATE TABLE ${quoteIdent('tenant_1')}.t (id int)`);
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('introspect in schema scope', () => {
  it('throws SchemaNotFoundError naming a schema the database does not have', async () => {
    const error = await introspect(client, { schema: 'Tenant_2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNotFoundError);
    expect((error as SchemaNotFoundError).schema).toBe('Tenant_2');
    expect((error as SchemaNotFoundError).message).toBe('schema "Tenant_2" does not exist in this database');
  });

  it('leaves the session usable and outside a transaction after the error', async () => {
    await introspect(client, { schema: 'nope' }).catch(() => undefined);
    const { rows } = await client.query<{ status: string }>("SELECT CASE WHEN now() = statement_timestamp() THEN 'idle' ELSE 'in transaction' END AS status");
    expect(rows[0]!.status).toBe('idle');
    expect((await introspect(client, { schema: 'tenant_1' })).tables.map((t) => t.name)).toEqual(['t']);
  });
});
