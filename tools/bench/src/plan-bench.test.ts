import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, introspect } from '@fleetshift/schema';
import { findPostgres, pgBinary } from '@fleetshift/testing';
import { createBenchDatabase, type BenchDatabase } from './bench-database.js';
import { applyChangeSet } from './change-set.js';
import { planWithFleetshift } from './fleetshift-planner.js';
import { planWithMigra } from './migra-planner.js';
import { planBenchTable, runPlanBench } from './plan-bench.js';
import { renderDdlStatements } from './render-ddl.js';
import { generateSchema } from './schema-generator.js';

const created: BenchDatabase[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'fleetshift-bench-'));
afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
  rmSync(dir, { recursive: true, force: true });
});

async function fingerprintOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return fingerprint(await introspect(client));
  } finally {
    await client.end();
  }
}

describe('plan benchmark', () => {
  it("measures a complete plan: Fleetshift's script brings the from-database to the to-database", async () => {
    const from = generateSchema(40);
    const to = applyChangeSet(from).schema;
    const server = await findPostgres();
    const [a, b] = await Promise.all([
      createBenchDatabase(server, 'test_from', renderDdlStatements(from)),
      createBenchDatabase(server, 'test_to', renderDdlStatements(to)),
    ]);
    created.push(a, b);
    const fleetshift = await planWithFleetshift(a.url, b.url);
    const migra = await planWithMigra(a.url, b.url);
    expect(fleetshift.statements).toBeGreaterThan(10);
    expect(migra.statements).toBeGreaterThan(10);

    writeFileSync(path.join(dir, 'plan.sql'), fleetshift.sql);
    const psql = spawnSync(pgBinary('psql'), ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', a.url, '-f', path.join(dir, 'plan.sql')], { encoding: 'utf8' });
    expect(psql.stderr).toBe('');
    expect(psql.status).toBe(0);
    expect(await fingerprintOf(a.url)).toBe(await fingerprintOf(b.url));
  });

  it('reports one row per size with both tools and prints them in a table', async () => {
    const rows = await runPlanBench([12], 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tables: 12 });
    expect(rows[0].fleetshiftStatements).toBeGreaterThan(0);
    expect(rows[0].migraStatements).toBeGreaterThan(0);
    expect(rows[0].fleetshiftMs).toBeGreaterThan(0);
    expect(rows[0].migraMs).toBeGreaterThan(0);
    const table = planBenchTable(rows);
    expect(table).toContain('fleetshift ms');
    expect(table).toMatch(/│ 12 +│/);
  });
});
