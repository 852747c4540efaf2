import { randomBytes } from 'node:crypto';
import { SchemaFormat } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../introspect/introspect.js';
import { applySchema } from '../../load/apply-schema.js';
import { loadDesiredSchema } from '../../load/load-desired-schema.js';
import { parseSchemaSql } from '../../parse/sql-parser.js';
import { buildPlan, refusedHazards } from '../../plan/build-plan.js';

let serverUrl: string;
const databases: TestDatabase[] = [];
const tag = `r${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  serverUrl = await findPostgres();
});
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

const load = (text: string, schema?: string) =>
  loadDesiredSchema({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'v.sql' }, { scratchServerUrl: serverUrl, schema, scratchTag: tag });

const v1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, legacy_flag boolean);';
/** legacy_flag gone; email renamed to email_address (same type): both read as drop + add. */
const v2 = 'CREATE TABLE users (id bigint PRIMARY KEY, email_address text NOT NULL);';

async function refusalFor(schema?: string): Promise<string[]> {
  const [from, to] = await Promise.all([load(v1, schema), load(v2, schema)]);
  const plan = buildPlan(from, to);
  expect(refusedHazards(plan, []).map((h) => h.code)).toContain('DELETES_DATA');
  return plan.steps.filter((s) => s.change === 'drop-column').map((s) => s.hazards.find((h) => h.code === 'DELETES_DATA')!.message);
}

describe('DELETES_DATA on a dropped column tells the operator what to do', () => {
  it('names what is lost and the ways forward: allow the hazard in the version, or keep the column until its values are copied', async () => {
    const [email, legacy] = await refusalFor();
    expect(legacy).toBe(
      'column public.users.legacy_flag and its values are dropped. To accept that, allow DELETES_DATA for this version (its allowed hazards, or --allow DELETES_DATA).' +
        ' To keep the values, keep legacy_flag in the desired schema until they are copied, and drop it in a later version.',
    );
    expect(email).toContain('If it was renamed to email_address: renames are not detected (a rename reads as drop + add)');
    expect(email).toContain('ALTER TABLE "public"."users" RENAME COLUMN "email" TO "email_address"');
  });

  it('the rename it suggests, run on the tenant, keeps the data and leaves no column drop to refuse', async () => {
    const db = await createTestDatabase('drop_refusal');
    databases.push(db);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await applySchema(client, await parseSchemaSql(v1));
      await client.query("INSERT INTO users VALUES (1, 'a@example.com', true)");
      const [message] = await refusalFor();
      const rename = /\((ALTER TABLE .* RENAME COLUMN .*)\) and this plan/.exec(message!)![1]!;
      await client.query(rename);
      const plan = buildPlan(await introspect(client), await load(v2));
      expect(plan.steps.map((s) => s.sql)).toEqual(['ALTER TABLE "public"."users" DROP COLUMN "legacy_flag"']);
      expect((await client.query('SELECT email_address FROM users')).rows).toEqual([{ email_address: 'a@example.com' }]);
    } finally {
      await client.end();
    }
  });

  it('in schema scope the suggested statement is schema-relative', async () => {
    const [email] = await refusalFor('tenant_5');
    expect(email).toContain('ALTER TABLE "users" RENAME COLUMN "email" TO "email_address"');
    expect(email).not.toContain('tenant_5');
  });
});
