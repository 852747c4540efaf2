import type { Plan, PlanStep } from '@fleetshift/contracts';
import { SchemaFormat } from '@fleetshift/contracts';
import { planUnits, runPlan } from '@fleetshift/plan-runner';
import { createTestDatabase, findPostgres, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../catalog/fingerprint.js';
import type { Catalog } from '../catalog/model.js';
import { introspect } from '../introspect/introspect.js';
import { applySchema } from '../load/apply-schema.js';
import { loadDesiredSchema } from '../load/load-desired-schema.js';
import { parseSchemaSql } from '../parse/sql-parser.js';
import { buildPlan } from '../plan/build-plan.js';

/**
 * The partitioned-table recipes against PostgreSQL 15, step by step: which statements they run, which
 * locks each transactional step takes on the partitions, and that no such step reads a partition
 * (pg_stat_get_xact_numscans of every leaf before and after it, in its transaction). The scans are the
 * concurrent builds (outside any transaction, SHARE UPDATE EXCLUSIVE) and the VALIDATEs (SHARE UPDATE
 * EXCLUSIVE) only. Then the result re-introspects as the target and re-plans empty.
 */

const partitions = `
CREATE TABLE kinds (k int PRIMARY KEY);
CREATE TABLE m (id bigint NOT NULL, at date NOT NULL, k int NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (k);
CREATE TABLE m_2026_a PARTITION OF m_2026 FOR VALUES IN (1, 2);
CREATE TABLE m_2026_rest PARTITION OF m_2026 DEFAULT;
CREATE TABLE m_default PARTITION OF m DEFAULT;
`;
const leaves = ['m_2025', 'm_2026_a', 'm_2026_rest', 'm_default'];
const rows = `
INSERT INTO kinds SELECT generate_series(0, 3);
INSERT INTO m SELECT g, date '2025-01-01' + (g % 900), g % 4 FROM generate_series(1, 2000) g;
INSERT INTO m VALUES (1, '2030-01-01', 1);
`;

let serverUrl: string;
let db: TestDatabase | undefined;

beforeAll(async () => {
  serverUrl = await findPostgres();
});
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('SET client_min_messages = warning');
  return client;
}

/** A tenant database at `fromSql` (with rows), the desired catalog of `toSql`, and the plan between them. */
async function setUp(fromSql: string, toSql: string): Promise<{ client: pg.Client; from: Catalog; to: Catalog; plan: Plan }> {
  db = await createTestDatabase('partrecipe');
  const client = await connect(db.url);
  await applySchema(client, await parseSchemaSql(fromSql, 'from.sql'), {});
  await client.query(rows);
  const from = await introspect(client, {});
  const to = await loadDesiredSchema({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text: toSql, filename: 'to.sql' }, { scratchServerUrl: serverUrl });
  return { client, from, to, plan: buildPlan(from, to) };
}

interface Observed {
  step: PlanStep;
  /** "relation:Mode" for every relation lock the step's transaction held after the statement. */
  locks: string[];
  /** Leaf partitions the statement read. */
  read: string[];
}

/** Runs each step on its own (transactional ones in a transaction of their own) and records what it did. */
async function runObserved(client: pg.Client, plan: Plan): Promise<Observed[]> {
  const scans = async () => {
    const { rows: r } = await client.query<{ relname: string; n: string }>(
      `SELECT c.relname, pg_stat_get_xact_numscans(c.oid)::text AS n FROM pg_class c WHERE c.relname = ANY($1) ORDER BY 1`,
      [leaves],
    );
    return new Map(r.map((x) => [x.relname, x.n]));
  };
  const observed: Observed[] = [];
  for (const step of plan.steps) {
    if (!step.transactional) {
      await client.query(step.sql);
      observed.push({ step, locks: [], read: [] });
      continue;
    }
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '5s'`);
    const before = await scans();
    await client.query(step.sql);
    const after = await scans();
    const { rows: locks } = await client.query<{ relname: string; mode: string }>(
      `SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'public'::regnamespace ORDER BY 1, 2`,
    );
    await client.query('COMMIT');
    observed.push({
      step,
      locks: locks.map((l) => `${l.relname}:${l.mode}`),
      read: leaves.filter((p) => before.get(p) !== after.get(p)),
    });
  }
  return observed;
}

async function expectConverged(client: pg.Client, to: Catalog): Promise<void> {
  const after = await introspect(client, {});
  expect(canonicalJson(after)).toBe(canonicalJson(to));
  expect(buildPlan(after, to).steps).toEqual([]);
}

/** What a statement is, without names: "CREATE INDEX ON ONLY", "CREATE INDEX CONCURRENTLY", "ATTACH" … */
function shape(sql: string): string {
  if (/^CREATE (UNIQUE )?INDEX CONCURRENTLY /.test(sql)) return 'CREATE INDEX CONCURRENTLY';
  if (/^CREATE (UNIQUE )?INDEX \S+ ON ONLY /.test(sql)) return 'CREATE INDEX ON ONLY';
  if (/^ALTER INDEX \S+ ATTACH PARTITION /.test(sql)) return 'ATTACH';
  if (/^ALTER INDEX \S+ RENAME TO /.test(sql)) return 'RENAME INDEX';
  if (/ USING INDEX /.test(sql)) return 'ADD CONSTRAINT USING INDEX';
  if (/ NOT VALID$/.test(sql)) return 'ADD CONSTRAINT NOT VALID';
  if (/ VALIDATE CONSTRAINT /.test(sql)) return 'VALIDATE';
  if (/ ADD CONSTRAINT /.test(sql)) return 'ADD CONSTRAINT';
  if (/^DROP INDEX CONCURRENTLY/.test(sql)) return 'DROP INDEX CONCURRENTLY';
  return sql;
}

describe('partitioned recipes on PostgreSQL 15', () => {
  it('index: ON ONLY, a concurrent build per leaf (an existing match attached instead), ATTACH; no transactional step reads a partition', async () => {
    const { client, to, plan } = await setUp(`${partitions}\nCREATE INDEX m_2025_local ON m_2025 (id);`, `${partitions}\nCREATE INDEX m_id_idx ON m (id);`);
    try {
      expect(plan.hazards.map((h) => h.code)).toEqual(['INDEX_BUILD']);
      const observed = await runObserved(client, plan);
      const shapes = observed.map((o) => shape(o.step.sql));
      // The parent and the sub-partitioned m_2026 get ON ONLY; the 3 leaves without a matching index a
      // concurrent build; m_2025's own index is renamed and attached; 5 ATTACHes (4 leaves + m_2026).
      expect(shapes.filter((s) => s === 'CREATE INDEX ON ONLY')).toHaveLength(2);
      expect(shapes.filter((s) => s === 'CREATE INDEX CONCURRENTLY')).toHaveLength(3);
      expect(shapes.filter((s) => s === 'RENAME INDEX')).toHaveLength(1);
      expect(shapes.filter((s) => s === 'ATTACH')).toHaveLength(5);
      expect(plan.steps.every((s) => !/^CREATE INDEX (?!CONCURRENTLY)\S+ ON (?!ONLY)/.test(s.sql))).toBe(true);
      for (const o of observed) expect(o.read, o.step.sql).toEqual([]);
      // ON ONLY: SHARE on the parent alone, no partition locked.
      const onOnly = observed.find((o) => /ON ONLY public\.m /.test(o.step.sql))!;
      expect(onOnly.locks.filter((l) => leaves.some((p) => l.startsWith(`${p}:`)))).toEqual([]);
      expect(onOnly.locks).toContain('m:ShareLock');
      // ATTACH: the partition table only ACCESS SHARE (writes go on); ACCESS EXCLUSIVE on its index alone.
      for (const o of observed.filter((x) => shape(x.step.sql) === 'ATTACH')) {
        const tableLocks = o.locks.filter((l) => leaves.some((p) => l.startsWith(`${p}:`)));
        expect(tableLocks.every((l) => l.endsWith(':AccessShareLock')), o.locks.join(', ')).toBe(true);
      }
      await expectConverged(client, to);
    } finally {
      await client.end();
    }
  });

  it('primary key: each leaf its unique index concurrently and its key USING INDEX, then the parent attaches them (ACCESS EXCLUSIVE on the parent, SHARE on partitions, nothing read)', async () => {
    const { client, to, plan } = await setUp(partitions, `${partitions}\nALTER TABLE m ADD PRIMARY KEY (id, at, k);`);
    try {
      const observed = await runObserved(client, plan);
      const shapes = observed.map((o) => shape(o.step.sql));
      expect(shapes).toEqual([
        'CREATE INDEX CONCURRENTLY', 'ADD CONSTRAINT USING INDEX', // m_2025
        'CREATE INDEX CONCURRENTLY', 'ADD CONSTRAINT USING INDEX', // m_2026_a
        'CREATE INDEX CONCURRENTLY', 'ADD CONSTRAINT USING INDEX', // m_2026_rest
        'ADD CONSTRAINT', // m_2026 attaches its two
        'CREATE INDEX CONCURRENTLY', 'ADD CONSTRAINT USING INDEX', // m_default
        'ADD CONSTRAINT', // m attaches all
      ]);
      for (const o of observed) expect(o.read, o.step.sql).toEqual([]);
      const parent = observed.at(-1)!;
      expect(parent.step.sql).toBe('ALTER TABLE "public"."m" ADD CONSTRAINT "m_pkey" PRIMARY KEY (id, at, k)');
      expect(parent.step.description).toMatch(/ACCESS EXCLUSIVE on the parent and SHARE on each partition, for a catalog update only/);
      expect(parent.locks).toContain('m:AccessExclusiveLock');
      // Its direct partitions (m_2026's key already attached its own two).
      for (const p of ['m_2025', 'm_2026', 'm_default']) expect(parent.locks).toContain(`${p}:ShareLock`);
      // PostgreSQL 18 also marks the key's columns NOT NULL down to the leaves, under ACCESS EXCLUSIVE on
      // each (a catalog update: nothing read, checked above); up to 17 the leaves are not locked.
      const { rows: [{ version }] } = await client.query<{ version: number }>("SELECT current_setting('server_version_num')::int AS version");
      expect(parent.locks.filter((l) => /^m_2026_(a|rest):/.test(l)).sort()).toEqual(
        version >= 180000 ? ['m_2026_a:AccessExclusiveLock', 'm_2026_rest:AccessExclusiveLock'] : [],
      );
      await expectConverged(client, to);
    } finally {
      await client.end();
    }
  });

  it('foreign key: NOT VALID then VALIDATE per leaf, then the parent attaches them without reading a row', async () => {
    const { client, to, plan } = await setUp(partitions, `${partitions}\nALTER TABLE m ADD CONSTRAINT m_k_fk FOREIGN KEY (k) REFERENCES kinds (k);`);
    try {
      expect(plan.hazards).toEqual([]);
      const observed = await runObserved(client, plan);
      const shapes = observed.map((o) => shape(o.step.sql));
      expect(shapes).toEqual([
        'ADD CONSTRAINT NOT VALID', 'VALIDATE', // m_2025
        'ADD CONSTRAINT NOT VALID', 'VALIDATE', // m_2026_a
        'ADD CONSTRAINT NOT VALID', 'VALIDATE', // m_2026_rest
        'ADD CONSTRAINT', // m_2026 attaches its two
        'ADD CONSTRAINT NOT VALID', 'VALIDATE', // m_default
        'ADD CONSTRAINT', // m attaches all
      ]);
      // Only the VALIDATEs read a partition, each its own, under SHARE UPDATE EXCLUSIVE.
      for (const o of observed) {
        if (shape(o.step.sql) === 'VALIDATE') {
          expect(o.read).toHaveLength(1);
          expect(o.locks.filter((l) => l.startsWith(`${o.read[0]}:`))).toEqual([`${o.read[0]}:AccessShareLock`, `${o.read[0]}:ShareUpdateExclusiveLock`]);
        } else expect(o.read, o.step.sql).toEqual([]);
      }
      const parent = observed.at(-1)!;
      expect(parent.step.sql).toBe('ALTER TABLE "public"."m" ADD CONSTRAINT "m_k_fk" FOREIGN KEY (k) REFERENCES public.kinds(k)');
      // Its direct partitions (m_2026's foreign key already attached its own two), and a brief ACCESS
      // EXCLUSIVE on the referenced table: the partitions' own action triggers there are dropped.
      for (const p of ['m_2025', 'm_2026', 'm_default']) expect(parent.locks).toContain(`${p}:ShareRowExclusiveLock`);
      expect(parent.locks).toContain('kinds:AccessExclusiveLock');
      expect(parent.step.description).toMatch(/ACCESS EXCLUSIVE on public\.kinds/);
      await expectConverged(client, to);
    } finally {
      await client.end();
    }
  });

  it('resumes over an INVALID leftover of an interrupted build on a partition: the cleanup drops it, the build runs again', async () => {
    const { client, to, plan } = await setUp(partitions, `${partitions}\nALTER TABLE m ADD PRIMARY KEY (id, at, k);`);
    try {
      const units = planUnits(plan.steps);
      const at = units.findIndex((u) => u.steps.some((s) => s.sql.startsWith('CREATE UNIQUE INDEX CONCURRENTLY "m_2026_a_pkey"')));
      expect(at).toBeGreaterThan(0);
      const build = units[at]!.steps[0]!;
      expect(build.cleanupSql).toBe('DROP INDEX CONCURRENTLY IF EXISTS "public"."m_2026_a_pkey"');
      // The units before it ran; then its build failed half-way (a duplicate key), leaving its INVALID index.
      await runPlan(client, { ...plan, steps: units.slice(0, at).flatMap((u) => u.steps) });
      await client.query(`INSERT INTO m VALUES (1, '2026-02-01', 1), (1, '2026-02-01', 1)`);
      await expect(client.query(build.sql)).rejects.toThrow(/could not create unique index/);
      const { rows: leftover } = await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'm_2026_a_pkey'::regclass`);
      expect(leftover).toEqual([{ indisvalid: false }]);
      await client.query(`DELETE FROM m WHERE at = '2026-02-01'`);
      // Resumed where it stopped, as the executor does from plan_progress.
      await runPlan(client, plan, { startUnit: at });
      await expectConverged(client, to);
    } finally {
      await client.end();
    }
  });
});
