import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, pgBinary, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../catalog/fingerprint.js';
import { introspect } from '../introspect/introspect.js';
import { buildPlan } from './build-plan.js';
import { renderSqlScript } from '@fleetshift/plan-runner';

const run = promisify(execFile);
const psql = pgBinary('psql');

// The script sets its own lock_timeout: a DDL that cannot get its lock gives up (55P03) instead of queueing
// in front of the application, and the transaction of its group leaves nothing behind.
describe('a step that cannot get its lock', () => {
  let db: TestDatabase;
  let app: pg.Client;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('locktimeout');
    admin = new pg.Client({ connectionString: db.url });
    app = new pg.Client({ connectionString: db.url });
    await Promise.all([admin.connect(), app.connect()]);
    await admin.query('CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE u (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await app?.end();
    await admin?.end();
    await db?.drop();
  });

  it('gives up with lock_not_available and rolls its group back', async () => {
    const from = await introspect(admin);
    const to = structuredClone(from);
    to.tables.find((t) => t.name === 'u')!.columns.push({ name: 'note', type: 'text', notNull: false });
    to.tables.find((t) => t.name === 't')!.columns.push({ name: 'note', type: 'text', notNull: false });
    const plan = buildPlan(from, to, { lockTimeoutMs: 50 });
    expect(plan.steps.map((s) => s.group)).toEqual([1, 1]);
    expect(plan.steps[1]!.lockTarget).toBe('"public"."u"');

    // The application holds a lock on u (an open transaction that read it).
    await app.query('BEGIN');
    await app.query('SELECT * FROM u');
    const file = join(mkdtempSync(join(tmpdir(), 'fleetshift-lock-')), 'plan.sql');
    writeFileSync(file, renderSqlScript(plan));
    await expect(run(psql, ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', db.url, '-f', file])).rejects.toThrow(/lock timeout/);
    await app.query('ROLLBACK');

    // t was altered first in the same transaction: rolled back with it.
    expect(canonicalJson(await introspect(admin))).toBe(canonicalJson(from));

    // Once the application lets go, the same script applies.
    await run(psql, ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', db.url, '-f', file]);
    expect(canonicalJson(await introspect(admin))).toBe(canonicalJson(to));
  });
});
