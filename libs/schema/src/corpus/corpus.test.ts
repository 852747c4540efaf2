import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LockLevel, type Plan, type PlanStep } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, pgBinary, squawkBinary, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from '../catalog/fingerprint.js';
import type { Catalog } from '../catalog/model.js';
import { introspect } from '../introspect/introspect.js';
import { applySchema } from '../load/apply-schema.js';
import { loadDesiredSchema } from '../load/load-desired-schema.js';
import { parseSchemaSource } from '../parse/parse-schema-source.js';
import { buildPlan, refusedHazards } from '../plan/build-plan.js';
import { renderJson } from '../plan/render-json.js';
import { renderSqlScript } from '@fleetshift/plan-runner';
import { verifyPlan } from '../plan/verify-plan.js';
import { quoteIdent, quoteQualified } from '@fleetshift/sql-quote';
import { changeKinds } from '../changes/registry.js';
import { lintSql } from '../lint/lint-sql.js';
import { readCases, type CorpusCase } from './case-file.js';

const run = promisify(execFile);
const psql = pgBinary('psql');
const squawk = squawkBinary();
const work = mkdtempSync(join(tmpdir(), 'fleetshift-corpus-'));

/** Hazards that admit a step holding a write-blocking lock while it reads or rewrites an existing table. */
const blockingHazards = new Set(['TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK', 'SHARE_LOCK', 'LONG_SCAN']);

/**
 * squawk rules about locks and blocking. Others (prefer-bigint, prefer-text-field, prefer-robust-stmts …)
 * are style, not lock safety. See libs/schema/README.md for the lock rules we disagree with.
 */
const squawkLockRules = new Set([
  'require-lock-timeout',
  'require-statement-timeout',
  'adding-field-with-default',
  'adding-foreign-key-constraint',
  'adding-not-nullable-field',
  'adding-required-field',
  'adding-serial-primary-key-field',
  'changing-column-type',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'ban-concurrent-index-creation-in-transaction',
  'require-timeout-settings',
  'ban-alter-domain-with-add-constraint',
  'ban-create-domain-with-constraint',
]);

let serverUrl: string;
const cases = readCases();
/** Change modules seen in the corpus's plans: every module of the registry must be exercised. */
const exercised = new Set<string>();

beforeAll(async () => {
  serverUrl = await findPostgres();
});
// The rendered plans stay in the temp folder for inspection only when FLEETSHIFT_KEEP_PLANS is set.
afterAll(() => {
  if (!process.env.FLEETSHIFT_KEEP_PLANS) rmSync(work, { recursive: true, force: true });
});

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** pg_class.relfilenode of every table in scope: a change means PostgreSQL rewrote the table. */
async function fileNodes(client: pg.Client, schema: string | undefined): Promise<Map<string, string>> {
  const { rows } = await client.query<{ nspname: string; relname: string; node: string }>(
    `SELECT n.nspname, c.relname, c.relfilenode::text AS node
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        AND ($1::text IS NULL OR n.nspname = $1)`,
    [schema ?? null],
  );
  // Named like PlanStep.lockTarget: quoted, qualified in database scope.
  return new Map(rows.map((r) => [quoteQualified(schema ? '' : r.nspname, r.relname), r.node]));
}

async function applyScript(url: string, script: string, file: string, schema: string | undefined): Promise<void> {
  writeFileSync(file, script);
  const env = { ...process.env, ...(schema ? { PGOPTIONS: `-c search_path=${quoteIdent(schema)}` } : {}) };
  await run(psql, ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', url, '-f', file], { env });
}

async function squawkFindings(file: string): Promise<Array<{ rule: string; message: string; line: number }>> {
  // squawk exits 1 when it has findings (JSON on stdout); anything else (no binary, a crash) fails the test.
  const result = await run(squawk, ['--reporter=json', '--pg-version=15.0', file]).catch((e: { code?: unknown; stdout?: string; message: string }) => {
    if (e.code === 1 && e.stdout) return { stdout: e.stdout };
    throw new Error(`squawk failed on ${file}: ${e.message}`);
  });
  const text = result.stdout.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as Array<{ rule_name: string; message: string; line: number }>;
  return parsed.map((f) => ({ rule: f.rule_name, message: f.message, line: f.line }));
}

/** Column names in position (attnum) order. */
function columnOrder(columns: Catalog['tables'][number]['columns']): string[] {
  return [...columns].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((c) => c.name);
}

/** The plan step whose SQL is at 0-based `line` of the rendered script. */
function stepAtLine(plan: Plan, script: string, line: number): PlanStep | undefined {
  const lines = script.split('\n');
  for (let i = Math.min(line, lines.length - 1); i >= 0; i--) {
    const m = /^-- step (\d+)\//.exec(lines[i]!);
    if (m) return plan.steps[Number(m[1]) - 1];
  }
  return undefined;
}

/**
 * A squawk lock finding the plan already accounts for: the step carries the hazard that refuses it
 * unless allowed; or (changing-column-type) it is a widening PostgreSQL applies without a rewrite — the
 * relfilenode check below proves the table was not rewritten; or (require-concurrent-index-creation) the
 * index is on a materialized view created by the same transaction.
 */
function acknowledged(rule: string, step: PlanStep | undefined, partitioned: ReadonlySet<string> = new Set()): boolean {
  if (!step) return false;
  if (step.hazards.some((h) => blockingHazards.has(h.code))) return true;
  // A partitioned parent's key or foreign key added after every partition got its own (built concurrently,
  // validated): PostgreSQL attaches those instead of building or checking anything, a catalog update under
  // the short lock_timeout (partitioned-recipes.test.ts measures its locks and that it reads no partition).
  if (partitionAttachRules.has(rule) && partitioned.has(step.lockTarget)) {
    return (step.change === 'add-unique-constraint' || step.change === 'add-foreign-key') && step.description.includes('attaches the partitions');
  }
  if (rule === 'changing-column-type') return step.change === 'alter-column-type' && !step.rewritesTable;
  // squawk does not know ON ONLY: the partitioned parent's index alone, nothing built or read (a parent
  // holds no rows); the partitions' indexes are built CONCURRENTLY and attached.
  if (rule === 'require-concurrent-index-creation' && / ON ONLY /.test(step.sql) && /^CREATE (UNIQUE )?INDEX /.test(step.sql)) return !step.scansTable;
  // squawk does not see that a materialized view created in the same transaction is new.
  if (rule === 'require-concurrent-index-creation') return step.change === 'create-view' && step.lock === LockLevel.LOCK_LEVEL_NONE;
  return false;
}

/** squawk and lintSql rules that fire on a partitioned parent's attaching ADD CONSTRAINT (see acknowledged). */
const partitionAttachRules = new Set([
  'adding-serial-primary-key-field',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  'adding-foreign-key-constraint',
  'add-unique-builds-index',
  'add-foreign-key-validates',
]);

/** Partitioned tables of a catalog, named like PlanStep.lockTarget. */
function partitionedTables(catalog: Catalog): Set<string> {
  return new Set(catalog.tables.filter((t) => t.partitionKey).map((t) => quoteQualified(t.schema, t.name)));
}

function stepsBlockingExistingTables(plan: Plan, from: Catalog) {
  const existing = new Set(from.tables.map((t) => (t.schema ? `${quoteIdent(t.schema)}.${quoteIdent(t.name)}` : quoteIdent(t.name))));
  return plan.steps.filter(
    (s) => s.lock >= LockLevel.LOCK_LEVEL_SHARE && (s.scansTable || s.rewritesTable) && existing.has(s.lockTarget),
  );
}

describe('the corpus harness', () => {
  it('reads at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it('would catch a naive plan: squawk and the lock check both flag it', async () => {
    const naive: Plan = {
      fromFingerprint: '', toFingerprint: '', schemaRelative: false, hazards: [],
      steps: [{
        sql: 'CREATE INDEX "t_a_idx" ON "public"."t" (a)', change: 'add-index', description: 'naive', transactional: true, group: 1,
        lock: LockLevel.LOCK_LEVEL_SHARE, lockTarget: '"public"."t"', rewritesTable: false, scansTable: true, hazards: [],
        lockTimeoutMs: 2000, statementTimeoutMs: 1000, cleanupSql: '',
      }],
    };
    const from = { scope: '', schemas: ['public'], extensions: [], enums: [], sequences: [], views: [], functions: [],
      tables: [{ schema: 'public', name: 't', columns: [], constraints: [], indexes: [], triggers: [], policies: [], rowSecurity: false, forceRowSecurity: false }] } satisfies Catalog;
    expect(stepsBlockingExistingTables(naive, from)).toHaveLength(1);
    const script = renderSqlScript(naive);
    const file = join(work, 'naive.sql');
    writeFileSync(file, script);
    const findings = await squawkFindings(file);
    const flagged = findings.filter((f) => squawkLockRules.has(f.rule) && !acknowledged(f.rule, stepAtLine(naive, script, f.line)));
    expect(flagged.map((f) => f.rule)).toContain('require-concurrent-index-creation');
    expect(lintSql(script).map((f) => f.rule)).toContain('create-index-not-concurrently');
  });
});

describe.each(cases.map((c) => [c.name, c] as const))('corpus %s', (_name, c: CorpusCase) => {
  let db: TestDatabase;
  afterAll(async () => {
    await db?.drop();
  });

  it(c.description || c.name, async () => {
    db = await createTestDatabase('corpus');
    // An empty current schema is a fresh tenant: it parses to no statements.
    const parsedFrom = await parseSchemaSource(c.from);
    const from = await withClient(db.url, async (client) => {
      await applySchema(client, parsedFrom, c.schema ? { schema: c.schema } : {});
      if (c.schema) await client.query('RESET search_path');
      if (c.data.trim()) {
        if (c.schema) await client.query(`SET search_path = ${quoteIdent(c.schema)}`);
        await client.query(c.data);
        await client.query('RESET search_path');
      }
      return introspect(client, c.schema ? { schema: c.schema } : {});
    });
    const to = await loadDesiredSchema(c.to, { scratchServerUrl: serverUrl, ...(c.schema ? { schema: c.schema } : {}) });

    const plan = buildPlan(from, to);
    for (const step of plan.steps) exercised.add(step.change);
    const again = buildPlan(structuredClone(from), structuredClone(to));
    expect(renderJson(again)).toBe(renderJson(plan));
    expect(renderSqlScript(again)).toBe(renderSqlScript(plan));
    expect(plan.fromFingerprint).toBe(fingerprint(from));
    expect(plan.toFingerprint).toBe(fingerprint(to));
    expect(plan.schemaRelative).toBe(c.schema !== undefined);
    // Schema-relative means it: no statement names the tenant's schema (the executor sets search_path).
    if (c.schema) for (const step of plan.steps) expect(`${step.sql} ${step.cleanupSql}`).not.toContain(c.schema);
    expect(plan.hazards.map((h) => h.code).sort()).toEqual(c.hazards);
    expect(plan.steps.length).toBeGreaterThan(0);
    if (c.changes) expect(plan.steps.map((s) => s.change)).toEqual(c.changes);
    // A view dropped to be re-created comes back in the same transaction: the application never misses it.
    for (const drop of plan.steps.filter((s) => s.change === 'drop-view')) {
      const create = plan.steps.find((s) => s.change === 'create-view' && s.lockTarget === drop.lockTarget);
      if (create) expect(create.group, `view ${drop.lockTarget}`).toBe(drop.group);
    }

    // No step holds a write-blocking lock while reading or rewriting a table that already existed,
    // unless it carries the hazard that says so (and the case expects that hazard).
    for (const step of stepsBlockingExistingTables(plan, from)) {
      expect(step.hazards.some((h) => blockingHazards.has(h.code)), `${step.change}: ${step.sql}`).toBe(true);
    }

    const script = renderSqlScript(plan);
    const file = join(work, `${c.name}.sql`);
    writeFileSync(file, script);
    const lockFindings = (await squawkFindings(file))
      .filter((f) => squawkLockRules.has(f.rule))
      .map((f) => ({ ...f, step: stepAtLine(plan, script, f.line) }))
      .filter(({ rule, step }) => !acknowledged(rule, step, partitionedTables(from)));
    expect(lockFindings.map(({ rule, line, message }) => ({ rule, line, message }))).toEqual([]);
    // Our own linter agrees: every error it finds is on a step that carries the hazard that says so.
    const lintErrors = lintSql(script, file)
      .filter((f) => f.severity === 'error')
      .map((f) => ({ ...f, step: stepAtLine(plan, script, f.line - 1) }))
      .filter(({ rule, step }) => !acknowledged(rule === 'alter-column-type' ? 'changing-column-type' : rule, step, partitionedTables(from)) && !step?.hazards.some((h) => h.code === 'DELETES_DATA'));
    expect(lintErrors.map(({ rule, line, message }) => ({ rule, line, message }))).toEqual([]);

    if (c.allow) {
      const refused = refusedHazards(plan, c.allow).map((h) => h.code).sort();
      expect(refused.length).toBeGreaterThan(0);
      expect(refused).toEqual(c.hazards.filter((h) => !c.allow!.includes(h)));
      // Refused: nothing is applied, and the tenant is exactly as it was.
      const after = await withClient(db.url, (client) => introspect(client, c.schema ? { schema: c.schema } : {}));
      expect(canonicalJson(after)).toBe(canonicalJson(from));
      return;
    }
    expect(refusedHazards(plan, 'all')).toEqual([]);
    // The planner's own check (verifyPlan: replay on a scratch copy of the from-state) accepts the plan.
    await verifyPlan(from, plan, to, { scratchServerUrl: serverUrl, ...(c.schema ? { schema: c.schema } : {}), scratchTag: 'corpus' });

    const nodesBefore = await withClient(db.url, (client) => fileNodes(client, c.schema));
    await applyScript(db.url, script, file, c.schema);
    const [after, nodesAfter] = await withClient(db.url, async (client) => [
      await introspect(client, c.schema ? { schema: c.schema } : {}),
      await fileNodes(client, c.schema),
    ] as const);

    expect(canonicalJson(after)).toBe(canonicalJson(to));
    expect(buildPlan(after, to).steps).toEqual([]);
    // Tables the plan created have their columns in the desired schema's declared order.
    const existed = new Set(from.tables.map((t) => `${t.schema}.${t.name}`));
    for (const table of to.tables.filter((t) => !existed.has(`${t.schema}.${t.name}`))) {
      const created = after.tables.find((t) => t.schema === table.schema && t.name === table.name)!;
      expect(columnOrder(created.columns), `column order of ${table.name}`).toEqual(columnOrder(table.columns));
    }
    // A table PostgreSQL rewrote must be one a step declared it rewrites.
    const declared = new Set(plan.steps.filter((s) => s.rewritesTable).map((s) => s.lockTarget));
    for (const [table, node] of nodesBefore) {
      const now = nodesAfter.get(table);
      if (now !== undefined && now !== node) expect(declared, `undeclared rewrite of ${table}`).toContain(table);
    }
  });
});

describe('corpus coverage', () => {
  it('exercises every change module of the registry', () => {
    expect(changeKinds.map((k) => k.name).filter((name) => !exercised.has(name))).toEqual([]);
  });
});
