import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SchemaFormat } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, pgBinary, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogsEqual } from '../catalog/fingerprint.js';
import { introspect } from '../introspect/introspect.js';
import { loadDesiredSchema } from '../load/load-desired-schema.js';
import { buildPlan } from './build-plan.js';
import { renderSqlScript } from '@fleetshift/plan-runner';

const run = promisify(execFile);
const psql = pgBinary('psql');

// A concurrent unique index build that fails (duplicates) leaves an INVALID index behind. The step's
// cleanup_sql removes it; and a plan computed from that state drops the leftover before building again.
describe('a failed concurrent build', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const dir = mkdtempSync(join(tmpdir(), 'fleetshift-retry-'));

  beforeAll(async () => {
    db = await createTestDatabase('retry');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE users (id int PRIMARY KEY, email text); INSERT INTO users VALUES (1, $$a$$), (2, $$a$$)');
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('leaves an INVALID index that cleanup_sql and a re-plan deal with', async () => {
    const to = await loadDesiredSchema(
      { format: SchemaFormat.SCHEMA_FORMAT_SQL, filename: 'to.sql', text: 'CREATE TABLE users (id int PRIMARY KEY, email text CONSTRAINT users_email_key UNIQUE);' },
      { scratchServerUrl: await findPostgres() },
    );
    const plan = buildPlan(await introspect(client), to);
    const build = plan.steps.find((s) => !s.transactional)!;
    expect(build.sql).toMatch(/^CREATE UNIQUE INDEX CONCURRENTLY "users_email_key"/);

    const file = join(dir, 'plan.sql');
    writeFileSync(file, renderSqlScript(plan));
    await expect(run(psql, ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', db.url, '-f', file])).rejects.toThrow(/could not create unique index/);

    const failed = await introspect(client);
    expect(failed.tables[0]!.indexes.find((i) => i.name === 'users_email_key')).toMatchObject({ valid: false });
    expect(failed.tables[0]!.constraints.map((c) => c.name)).toEqual(['users_pkey']);

    // The executor's retry path: cleanup_sql drops the leftover, and nothing else.
    await client.query(build.cleanupSql);
    expect((await introspect(client)).tables[0]!.indexes.map((i) => i.name)).toEqual(['users_pkey']);

    // Re-create the leftover, fix the data, and plan from that state: the plan drops the INVALID index first.
    await expect(client.query('CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)')).rejects.toThrow();
    await client.query(`UPDATE users SET email = 'b' WHERE id = 2`);
    const replan = buildPlan(await introspect(client), to);
    expect(replan.steps[0]).toMatchObject({ sql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_key"', transactional: false });
    writeFileSync(file, renderSqlScript(replan));
    await run(psql, ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', db.url, '-f', file]);
    expect(catalogsEqual(await introspect(client), to)).toBe(true);
  });
});
