import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat, type ConnectionTarget, type SchemaSource } from '@fleetshift/contracts';
import { DEFAULT_SANDBOX, fingerprint } from '@fleetshift/schema';
import { createTestDatabase, findPostgres, startService, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { createDesiredSchemaCache, desiredSchemaKey } from './desired-schema-cache.js';
import { loadDesired } from './desired-schema.js';
import { plannerTestClient } from './testing/planner-client.js';

const v1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n';
const v2 = `${v1}CREATE INDEX users_email_idx ON users (email);\n`;
const v3 = `${v2}CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);\n`;

const sql = (text: string, filename = 'schema.sql'): SchemaSource => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename });

let serverUrl: string;

beforeAll(async () => {
  serverUrl = await findPostgres();
});

/** A cache over real scratch loads, counting what went to a scratch database and what did not. */
function countedCache(maxEntries = 8, maxTextChars = 1 << 20) {
  const counts = { loads: 0, hits: 0 };
  const cache = createDesiredSchemaCache({
    maxEntries,
    maxTextChars,
    load: (source, schema, signal) => loadDesired(source, serverUrl, schema, DEFAULT_SANDBOX, signal),
    onLoad: () => counts.loads++,
    onHit: () => counts.hits++,
  });
  return { cache, counts };
}

const tableNames = (catalog: { tables: Array<{ name: string; indexes: Array<{ name: string }> }> }) =>
  catalog.tables.map((t) => `${t.name}(${t.indexes.map((i) => i.name).join(',')})`);

describe('desired schema cache', () => {
  it('loads a text once for every call, concurrent ones and other file names included, and freezes what it shares', async () => {
    const { cache, counts } = countedCache();
    const [a, b] = await Promise.all([cache.load(sql(v2, 'a.sql'), undefined), cache.load(sql(v2, 'b.sql'), undefined)]);
    const c = await cache.load(sql(v2), undefined);
    expect(counts).toEqual({ loads: 1, hits: 2 });
    expect(b.catalog).toBe(a.catalog);
    expect(c.catalog).toBe(a.catalog);
    expect(tableNames(a.catalog)).toEqual(['users(users_email_idx,users_pkey)']);
    expect(Object.isFrozen(a.catalog.tables[0].indexes)).toBe(true);
  });

  it('serves no text, schema scope or format for another', async () => {
    const { cache, counts } = countedCache();
    const first = await cache.load(sql(v1), undefined);
    const other = await cache.load(sql(v2), undefined);
    const scoped = await cache.load(sql(v1), 'tenant_7');
    expect(counts).toEqual({ loads: 3, hits: 0 });
    expect(tableNames(first.catalog)).toEqual(['users(users_pkey)']);
    expect(tableNames(other.catalog)).toEqual(['users(users_email_idx,users_pkey)']);
    expect(fingerprint(other.catalog)).not.toBe(fingerprint(first.catalog));
    expect(scoped.catalog).not.toBe(first.catalog);
    expect(cache.size).toBe(3);

    // The key is the format the text is parsed in: an unspecified format is the file name's.
    const omniql = (filename: string, format = SchemaFormat.SCHEMA_FORMAT_OMNIQL): SchemaSource => ({ format, text: v1, filename });
    expect(desiredSchemaKey(omniql('a.oql'), undefined)).not.toBe(desiredSchemaKey(sql(v1), undefined));
    expect(desiredSchemaKey(omniql('a.oql', SchemaFormat.SCHEMA_FORMAT_UNSPECIFIED), undefined)).toBe(desiredSchemaKey(omniql('b.oql'), undefined));
    expect(desiredSchemaKey(omniql('a.sql', SchemaFormat.SCHEMA_FORMAT_UNSPECIFIED), undefined)).toBe(desiredSchemaKey(sql(v1), undefined));
  });

  it('keeps no failed load: the next call loads again and names its own file', async () => {
    const { cache, counts } = countedCache();
    const bad = 'CREATE TABLE t (id int,);';
    await expect(cache.load(sql(bad, 'first.sql'), undefined)).rejects.toThrow(/^first\.sql:1:/);
    await expect(cache.load(sql(bad, 'second.sql'), undefined)).rejects.toThrow(/^second\.sql:1:/);
    expect(counts).toEqual({ loads: 2, hits: 0 });
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used schema beyond its bounds', async () => {
    const { cache, counts } = countedCache(2);
    for (const text of [v1, v2, v1, v3, v1, v2]) await cache.load(sql(text), undefined);
    // v1 v2 loaded; v1 hit; v3 evicts v2 (least recent); v1 hit; v2 loaded again.
    expect(counts).toEqual({ loads: 4, hits: 2 });

    const small = countedCache(8, v2.length + v3.length);
    for (const text of [v2, v3, v2]) await small.cache.load(sql(text), undefined);
    expect([small.counts.loads, small.counts.hits, small.cache.size]).toEqual([2, 1, 2]);
    await small.cache.load(sql(v1), undefined); // more text than the bound allows: the least recent goes
    expect(small.cache.size).toBe(2);
  });
});

describe('the planner loads a rollout\'s desired schema once (fleetshift_planner_desired_schema_loads_total)', () => {
  let planner: ServiceProcess;
  let tenant: TestDatabase;
  let target: ConnectionTarget;

  beforeAll(async () => {
    [planner, tenant] = await Promise.all([startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: serverUrl }), createTestDatabase('planner_cache')]);
    const url = new URL(tenant.url);
    target = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database: tenant.name, passwordEnv: '', passwordFile: '', schema: '', sslmode: '', sslRootCertFile: '' };
  });

  afterAll(async () => {
    await Promise.all([planner?.stop(), tenant?.drop()]);
  });

  async function counters(): Promise<{ loads: number; hits: number }> {
    const text = await (await fetch(`http://127.0.0.1:${planner.metricsPort}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { loads: value('fleetshift_planner_desired_schema_loads_total'), hits: value('fleetshift_planner_desired_schema_cache_hits_total') };
  }

  it('ValidateSchema at push, then Diff and Plan of the rollout: the pushed texts are not loaded again', async () => {
    const client = plannerTestClient(`127.0.0.1:${planner.grpcPort}`);
    try {
      await client.validateSchema({ schema: sql(v1, 'v1.sql'), schemaName: '' });
      await client.validateSchema({ schema: sql(v2, 'v2.sql'), schemaName: '' });
      expect(await counters()).toEqual({ loads: 2, hits: 0 });

      const diff = await client.diff({ from: sql(v1, 'v1.sql'), to: sql(v2, 'v2.sql'), schema: '', allowHazards: ['all'] });
      expect(diff.plan!.steps.map((s) => s.change)).toEqual(['add-index']);
      const plan = await client.plan({ schema: sql(v2, 'v2.sql'), tenant: target, allowHazards: ['all'] });
      expect(plan.plan!.toFingerprint).toBe(diff.plan!.toFingerprint);
      expect(await counters()).toEqual({ loads: 2, hits: 3 });

      // One text as both sides of a Diff: loaded once. A new text is loaded, not taken for another.
      const same = await client.diff({ from: sql(v3), to: sql(v3), schema: '', allowHazards: [] });
      expect(same.plan!.steps).toEqual([]);
      expect(await counters()).toEqual({ loads: 3, hits: 4 });
      const next = await client.plan({ schema: sql(v3), tenant: target, allowHazards: ['all'] });
      expect(next.plan!.toFingerprint).not.toBe(plan.plan!.toFingerprint);
      expect(next.plan!.steps.some((s) => s.sql.includes('orders'))).toBe(true);
      expect(await counters()).toEqual({ loads: 3, hits: 5 });
    } finally {
      client.close();
    }
  });
});
