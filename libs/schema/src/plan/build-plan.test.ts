import { LockLevel } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../catalog/fingerprint.js';
import type { Catalog, Table } from '../catalog/model.js';
import { UnsupportedChangeError } from '../changes/support/unsupported-change.js';
import { buildPlan, refusedHazards } from './build-plan.js';
import { renderJson } from './render-json.js';
import { renderSqlScript } from '@fleetshift/plan-runner';

// Hand-built catalogs (what introspection reports), so the planner is tested without a database.
function catalog(tables: Table[], scope = ''): Catalog {
  return { scope, schemas: scope ? [] : ['public'], extensions: [], enums: [], sequences: [], tables, views: [], functions: [] };
}

function usersTable(schema = 'public', extra: Partial<Table> = {}): Table {
  const on = schema ? `${schema}.users` : 'users';
  return {
    schema,
    name: 'users',
    columns: [
      { name: 'email', type: 'text', notNull: false },
      { name: 'id', type: 'bigint', notNull: true },
    ],
    constraints: [{ name: 'users_pkey', kind: 'primary', definition: 'PRIMARY KEY (id)', validated: true, columns: ['id'] }],
    indexes: [{ name: 'users_pkey', definition: `CREATE UNIQUE INDEX {{name}} ON ${on} USING btree (id)`, unique: true, constraint: 'users_pkey', valid: true }],
    triggers: [],
    policies: [],
    rowSecurity: false,
    forceRowSecurity: false,
    ...extra,
  };
}

function withEmailNotNull(t: Table): Table {
  return { ...t, columns: t.columns.map((c) => (c.name === 'email' ? { ...c, notNull: true } : c)) };
}

function withEmailIndex(t: Table, on = 'public.users'): Table {
  return { ...t, indexes: [...t.indexes, { name: 'users_email_idx', definition: `CREATE INDEX {{name}} ON ${on} USING btree (email)`, unique: false, valid: true }] };
}

describe('buildPlan', () => {
  it('plans nothing between equal catalogs, and the script is only comments', () => {
    const plan = buildPlan(catalog([usersTable()]), catalog([usersTable()]));
    expect(plan.steps).toEqual([]);
    expect(plan.hazards).toEqual([]);
    const script = renderSqlScript(plan);
    expect(script.trim().split('\n').every((line) => line.startsWith('--'))).toBe(true);
    expect(script).toContain(`-- from: ${fingerprint(catalog([usersTable()]))}`);
  });

  it('groups the NOT NULL recipe so the validation runs alone and SET NOT NULL never scans', () => {
    const plan = buildPlan(catalog([usersTable()]), catalog([withEmailNotNull(usersTable())]));
    expect(plan.steps.map((s) => s.sql.split(' ').slice(3, 6).join(' '))).toEqual([
      expect.stringMatching(/^ADD CONSTRAINT "fs_nn_/),
      expect.stringMatching(/^VALIDATE CONSTRAINT "fs_nn_/),
      'ALTER COLUMN "email"',
      expect.stringMatching(/^DROP CONSTRAINT "fs_nn_/),
    ]);
    expect(plan.steps.map((s) => s.group)).toEqual([1, 2, 3, 3]);
    const validate = plan.steps[1]!;
    expect(validate).toMatchObject({ lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE, scansTable: true, transactional: true });
    expect(plan.steps[2]).toMatchObject({ lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE, scansTable: false, rewritesTable: false });
    // The default lock_timeout: 50 ms, the longest stall a step may cause the application; the VALIDATE
    // alone in its group (SHARE UPDATE EXCLUSIVE, which no read or write queues behind) may wait longer.
    expect(plan.steps.map((s) => s.lockTimeoutMs)).toEqual([50, 5_000, 50, 50]);
    expect(validate.statementTimeoutMs).toBeGreaterThan(plan.steps[0]!.statementTimeoutMs);
  });

  it('builds an index on an existing table concurrently, outside a transaction, with a cleanup for retries', () => {
    const plan = buildPlan(catalog([usersTable()]), catalog([withEmailIndex(usersTable())]), { lockTimeoutMs: 500 });
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({
      sql: 'CREATE INDEX CONCURRENTLY "users_email_idx" ON public.users USING btree (email)',
      transactional: false,
      lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
      cleanupSql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_idx"',
      lockTimeoutMs: 500,
    });
    expect(plan.hazards.map((h) => h.code)).toEqual(['INDEX_BUILD']);
    const script = renderSqlScript(plan);
    expect(script).not.toContain('BEGIN;');
    expect(script).toContain("SET lock_timeout = '500ms';");
  });

  it('builds the indexes of a new table plainly, in the creating transaction', () => {
    const plan = buildPlan(catalog([]), catalog([withEmailIndex(usersTable())]));
    expect(plan.steps.map((s) => s.sql.slice(0, 20))).toEqual(['CREATE TABLE "public', 'CREATE INDEX "users_']);
    expect(plan.steps.every((s) => s.transactional && s.group === 1)).toBe(true);
    expect(plan.hazards).toEqual([]);
    expect(renderSqlScript(plan).match(/^BEGIN;$/gm)).toHaveLength(1);
  });

  it('is deterministic: the order of the input arrays does not matter', () => {
    const other: Table = { ...usersTable(), name: 'accounts', indexes: [], constraints: [] };
    const a = buildPlan(catalog([]), catalog([usersTable(), other]));
    const b = buildPlan(catalog([]), catalog([other, usersTable()]));
    // (The fingerprints differ: they hash the arrays as given; introspection always sorts them.)
    expect(JSON.stringify(b.steps)).toBe(JSON.stringify(a.steps));
    expect(renderJson(buildPlan(catalog([]), catalog([usersTable(), other])))).toBe(renderJson(a));
    expect(a.steps[0]!.sql).toContain('"accounts"');
  });

  it('plans schema-relative, unqualified SQL in schema scope', () => {
    const from = catalog([usersTable('')], 'tenant_a');
    const to = catalog([withEmailIndex(withEmailNotNull(usersTable('')), 'users')], 'tenant_a');
    const plan = buildPlan(from, to);
    expect(plan.schemaRelative).toBe(true);
    expect(plan.steps.length).toBeGreaterThan(0);
    for (const step of plan.steps) expect(step.sql).not.toMatch(/public|tenant_a/);
    expect(renderSqlScript(plan)).toContain('-- schema-relative');
  });

  it('refuses to plan between catalogs of different scopes', () => {
    expect(() => buildPlan(catalog([], 'a'), catalog([]))).toThrow(/different scopes/);
  });

  it('reports a change without a recipe as unsupported, naming the table', () => {
    const partitioned = usersTable('public', { partitionKey: 'RANGE (id)' });
    expect(() => buildPlan(catalog([usersTable()]), catalog([partitioned]))).toThrow(UnsupportedChangeError);
    expect(() => buildPlan(catalog([usersTable()]), catalog([partitioned]))).toThrow(/public\.users/);
  });

  it('adds enum labels in place, and rebuilds an enum whose labels are removed', () => {
    const withEnum = (values: string[]): Catalog => ({ ...catalog([]), enums: [{ schema: 'public', name: 'mood', values }] });
    const added = buildPlan(withEnum(['a', 'c']), withEnum(['a', 'b', 'c']));
    expect(added.steps.map((s) => s.sql)).toEqual([`ALTER TYPE "public"."mood" ADD VALUE IF NOT EXISTS 'b' AFTER 'a'`]);
    expect(added.steps[0]!.transactional).toBe(false);
    const removed = buildPlan(withEnum(['a', 'b']), withEnum(['a']));
    expect(removed.steps.map((s) => s.change)).toEqual(['recreate-enum', 'recreate-enum', 'recreate-enum']);
    expect(removed.steps[1]!.sql).toBe(`CREATE TYPE "public"."mood" AS ENUM ('a')`);
  });
});

describe('refusedHazards', () => {
  const plan = buildPlan(catalog([usersTable(), { ...usersTable(), name: 'old', indexes: [], constraints: [] }]), catalog([withEmailIndex(usersTable())]));

  it('lists the hazards not allowed, one per code', () => {
    expect(plan.hazards.map((h) => h.code)).toEqual(['DELETES_DATA', 'INDEX_BUILD']);
    expect(refusedHazards(plan, []).map((h) => h.code)).toEqual(['DELETES_DATA', 'INDEX_BUILD']);
    expect(refusedHazards(plan, ['index_build']).map((h) => h.code)).toEqual(['DELETES_DATA']);
    expect(refusedHazards(plan, ['INDEX_BUILD', 'DELETES_DATA'])).toEqual([]);
    expect(refusedHazards(plan, 'all')).toEqual([]);
    expect(refusedHazards(plan, ['all'])).toEqual([]);
    expect(refusedHazards(plan, [])[0]!.message).toContain('public.old');
  });
});

describe('renderJson', () => {
  it('prints every step field, defaults included', () => {
    const plan = buildPlan(catalog([usersTable()]), catalog([withEmailIndex(usersTable())]));
    const json = JSON.parse(renderJson(plan));
    expect(json.steps[0]).toMatchObject({ transactional: false, rewritesTable: false, lock: 'LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE', group: 1 });
    expect(Object.keys(json.steps[0]).sort()).toEqual(
      ['change', 'cleanupSql', 'description', 'group', 'hazards', 'lock', 'lockTarget', 'lockTimeoutMs', 'rewritesTable', 'scansTable', 'sql', 'statementTimeoutMs', 'transactional'].sort(),
    );
    expect(json.fromFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(json.schemaRelative).toBe(false);
  });
});
