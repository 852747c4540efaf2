import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, introspect, summarizeCatalog } from '@fleetshift/schema';
import { findPostgres } from '@fleetshift/testing';
import { createBenchDatabase, type BenchDatabase } from './bench-database.js';
import { applyChangeSet } from './change-set.js';
import { renderDdl, renderDdlStatements } from './render-ddl.js';
import { generateSchema } from './schema-generator.js';

const created: BenchDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
});

async function load(label: string, ddl: string[]): Promise<BenchDatabase> {
  const db = await createBenchDatabase(await findPostgres(), label, ddl);
  created.push(db);
  return db;
}

async function catalogOf(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await introspect(client);
  } finally {
    await client.end();
  }
}

describe('generated benchmark schema', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(renderDdl(generateSchema(30))).toBe(renderDdl(generateSchema(30)));
    expect(renderDdl(generateSchema(30, 1))).not.toBe(renderDdl(generateSchema(30, 2)));
  });

  it('loads into PostgreSQL with its tables, foreign keys and indexes', async () => {
    const schema = generateSchema(60);
    const db = await load('gen_from', renderDdlStatements(schema));
    const summary = summarizeCatalog(await catalogOf(db.url));
    expect(summary.tables).toBe(60);
    expect(summary.views).toBe(2);
    const foreignKeys = schema.tables.reduce((n, t) => n + t.foreignKeys.length, 0);
    expect(foreignKeys).toBeGreaterThanOrEqual(59);
    // one index per FK, plus the primary keys, plus unique constraints and extra indexes.
    expect(summary.indexes).toBeGreaterThan(60 + foreignKeys);
  });

  it('has a change set that loads, touches every kind and changes the fingerprint', async () => {
    const from = generateSchema(60);
    const { schema: to, summary } = applyChangeSet(from);
    for (const [kind, tables] of Object.entries(summary.byKind)) expect(tables, kind).toBeGreaterThan(0);
    expect(summary.newTables).toBe(1);
    expect(renderDdl(from)).toBe(renderDdl(generateSchema(60)));
    const [a, b] = await Promise.all([load('gen_a', renderDdlStatements(from)), load('gen_b', renderDdlStatements(to))]);
    const [catalogA, catalogB] = await Promise.all([catalogOf(a.url), catalogOf(b.url)]);
    expect(catalogB.tables).toHaveLength(61);
    expect(fingerprint(catalogA)).not.toBe(fingerprint(catalogB));
  });
});
