import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat } from '@fleetshift/contracts';
import { appendSchemaVersion, blueprintExists, getSchemaVersion, listSchemaVersions, withTransaction, type NewSchemaVersion } from './index.js';
import { openTestStore, sqlSchema, type TestStore } from './testing/test-store.js';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('cs_schema_versions');
});

afterAll(async () => {
  await store?.close();
});

const version = (blueprint: string, text: string, extra: Partial<NewSchemaVersion> = {}): NewSchemaVersion => ({
  blueprint,
  schema: sqlSchema(text),
  fingerprint: `fp(${text})`,
  allowedHazards: [],
  description: '',
  ...extra,
});

/** As the scheduler pushes a version: in a transaction of its own. */
const push = (pool: pg.Pool, next: NewSchemaVersion) => withTransaction(pool, (client) => appendSchemaVersion(client, next));

describe('appending schema versions', () => {
  it('numbers versions from 1 per blueprint and stores what was pushed', async () => {
    expect(await blueprintExists(store.pool, 'bp_a')).toBe(false);
    const a1 = await push(store.pool, version('bp_a', 'CREATE TABLE a (id int);', { allowedHazards: ['DELETES_DATA'], description: 'first' }));
    const b1 = await push(store.pool, version('bp_b', 'CREATE TABLE b (id int);'));
    const a2 = await push(store.pool, version('bp_a', 'CREATE TABLE a (id bigint);'));
    expect([a1.version.version, b1.version.version, a2.version.version]).toEqual([1, 1, 2]);
    expect([a1.created, b1.created, a2.created]).toEqual([true, true, true]);
    expect(await blueprintExists(store.pool, 'bp_a')).toBe(true);

    const stored = (await getSchemaVersion(store.pool, 'bp_a', 1))!;
    expect(stored).toMatchObject({
      blueprint: 'bp_a',
      version: 1,
      schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: 'CREATE TABLE a (id int);', filename: 'schema.sql' },
      fingerprint: 'fp(CREATE TABLE a (id int);)',
      allowedHazards: ['DELETES_DATA'],
      description: 'first',
    });
    expect(stored.createdAt).toBeInstanceOf(Date);
    expect((await getSchemaVersion(store.pool, 'bp_a', 0))!.version).toBe(2);
    expect(await getSchemaVersion(store.pool, 'bp_a', 3)).toBeUndefined();
    expect(await getSchemaVersion(store.pool, 'bp_none', 0)).toBeUndefined();
    expect((await listSchemaVersions(store.pool, 'bp_a')).map((v) => v.version)).toEqual([1, 2]);
    expect(await listSchemaVersions(store.pool, 'bp_none')).toEqual([]);
  });

  it('text equal to the latest version is that version; equal to an older one, or in another format, is a new one', async () => {
    const v1 = await push(store.pool, version('bp_same', 'CREATE TABLE s (id int);'));
    const again = await push(store.pool, version('bp_same', 'CREATE TABLE s (id int);', { description: 'ignored', allowedHazards: ['X'] }));
    expect([again.created, again.version]).toEqual([false, v1.version]);

    await push(store.pool, version('bp_same', 'CREATE TABLE s (id bigint);'));
    const back = await push(store.pool, version('bp_same', 'CREATE TABLE s (id int);'));
    expect([back.created, back.version.version]).toEqual([true, 3]);

    const omniql = await push(store.pool, version('bp_same', 'CREATE TABLE s (id int);', {
      schema: { format: SchemaFormat.SCHEMA_FORMAT_OMNIQL, text: 'CREATE TABLE s (id int);', filename: 's.oql' },
    }));
    expect([omniql.created, omniql.version.version, omniql.version.schema?.format]).toEqual([true, 4, SchemaFormat.SCHEMA_FORMAT_OMNIQL]);
    expect((await listSchemaVersions(store.pool, 'bp_same')).map((v) => v.description)).toEqual(['', '', '', '']);
  });

  it('a stored version can be neither changed nor deleted', async () => {
    await push(store.pool, version('bp_frozen', 'CREATE TABLE f (id int);'));
    await expect(store.pool.query(`UPDATE schema_versions SET text = 'x' WHERE blueprint = 'bp_frozen'`)).rejects.toThrow(/schema version bp_frozen\/1 is immutable/);
    await expect(store.pool.query(`DELETE FROM schema_versions WHERE blueprint = 'bp_frozen'`)).rejects.toThrow(/immutable/);
    expect((await getSchemaVersion(store.pool, 'bp_frozen', 1))!.schema?.text).toBe('CREATE TABLE f (id int);');
  });

  it('refuses a format with no stored word, naming it', async () => {
    await expect(push(store.pool, version('bp_bad', 'x', { schema: { format: 99 as SchemaFormat, text: 'x', filename: '' } }))).rejects.toThrow(
      /no stored word for enum value 99/,
    );
    // the blueprint row went with the rolled-back transaction
    expect(await blueprintExists(store.pool, 'bp_bad')).toBe(false);
  });
});

describe('two schedulers pushing at once', () => {
  it('concurrent pushes of different texts to one blueprint get distinct, gapless numbers', async () => {
    const other = await store.openPool(5);
    const texts = Array.from({ length: 24 }, (_, i) => `CREATE TABLE c (id int, v${i} int);`);
    const results = await Promise.all(texts.map((text, i) => push(i % 2 ? store.pool : other, version('bp_race', text))));
    expect(results.every((r) => r.created)).toBe(true);
    expect(results.map((r) => r.version.version).sort((a, b) => a - b)).toEqual(texts.map((_, i) => i + 1));
    const stored = await listSchemaVersions(store.pool, 'bp_race');
    expect(new Set(stored.map((v) => v.schema?.text))).toEqual(new Set(texts));
  });

  it('concurrent pushes of the same text to a new blueprint store it once', async () => {
    const other = await store.openPool(5);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => push(i % 2 ? store.pool : other, version('bp_same_race', 'CREATE TABLE d (id int);'))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.every((r) => r.version.version === 1)).toBe(true);
    expect(await listSchemaVersions(store.pool, 'bp_same_race')).toHaveLength(1);
  });

  it('pushes straight on a pool, outside any transaction, are serialized as well', async () => {
    const other = await store.openPool(5);
    const texts = Array.from({ length: 16 }, (_, i) => `CREATE TABLE e (id int, w${i} int);`);
    const results = await Promise.all(texts.map((text, i) => appendSchemaVersion(i % 2 ? store.pool : other, version('bp_pool_race', text))));
    expect(results.map((r) => r.version.version).sort((a, b) => a - b)).toEqual(texts.map((_, i) => i + 1));
  });
});
