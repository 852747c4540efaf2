import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SchemaFormat } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, pgBinary } from '@fleetshift/testing';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogDifferences } from '../catalog/catalog-differences.js';
import { introspect } from '../introspect/introspect.js';
import { applySchema } from '../load/apply-schema.js';
import { loadDesiredSchema } from '../load/load-desired-schema.js';
import { parseSchemaSource } from '../parse/parse-schema-source.js';
import { buildPlan } from '../plan/build-plan.js';
import { readCases } from './case-file.js';

const run = promisify(execFile);
let serverUrl: string;

beforeAll(async () => {
  serverUrl = await findPostgres();
});

/**
 * Every corpus case's desired schema, built in a database, dumped with `pg_dump --schema-only` and loaded
 * back as a desired schema (database scope, also for the schema-scope cases: the dump names the tenant
 * schema): the plan against the database it was dumped from is empty.
 */
describe.each(readCases().map((c) => [c.name, c] as const))('pg_dump round trip of corpus case %s', (_name, c) => {
  it('loads and plans empty against its source', async () => {
    const db = await createTestDatabase('dumptrip');
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const current = await (async () => {
        await client.query('SET client_min_messages = warning');
        await applySchema(client, await parseSchemaSource(c.to), c.schema ? { schema: c.schema } : {});
        await client.query('RESET search_path');
        return introspect(client, {});
      })().finally(() => client.end());
      const { stdout: dump } = await run(pgBinary('pg_dump'), ['--schema-only', '--dbname', db.url], { maxBuffer: 64 * 1024 * 1024 });
      const desired = await loadDesiredSchema({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text: dump, filename: `${c.name}.dump.sql` }, { scratchServerUrl: serverUrl, scratchTag: 'dumptrip' });
      expect(catalogDifferences(desired, current)).toEqual([]);
      expect(buildPlan(current, desired).steps).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
