import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SchemaFormat } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, pgBinary, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../catalog/fingerprint.js';
import { catalogDifferences } from '../catalog/catalog-differences.js';
import { introspect } from '../introspect/introspect.js';
import { parseSchemaSql } from '../parse/sql-parser.js';
import { buildPlan } from '../plan/build-plan.js';
import { loadDesiredSchema } from './load-desired-schema.js';

const run = promisify(execFile);

/**
 * A desired schema taken from `pg_dump --schema-only` (PostgreSQL 15's, as it is: session settings,
 * `\restrict`, OWNER TO, ATTACH PARTITION, ALTER INDEX … ATTACH PARTITION, REPLICA IDENTITY, SET
 * STATISTICS …) loads, and planned against the database it was dumped from gives no step.
 */
const source = `
CREATE SCHEMA app;
CREATE EXTENSION citext SCHEMA public;
CREATE TYPE app.mood AS ENUM ('ok', 'sad');
CREATE SEQUENCE app.ticket_seq START 100 INCREMENT 5;
CREATE TABLE app.kinds (k int PRIMARY KEY, label public.citext NOT NULL UNIQUE);
CREATE TABLE app.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, mood app.mood DEFAULT 'ok',
  ticket int DEFAULT nextval('app.ticket_seq'), CONSTRAINT users_email_check CHECK (email <> '')
);
CREATE TABLE app.posts (id serial PRIMARY KEY, user_id bigint REFERENCES app.users (id) ON DELETE CASCADE, body text);
ALTER TABLE app.users REPLICA IDENTITY FULL;
ALTER TABLE app.posts REPLICA IDENTITY USING INDEX posts_pkey;
ALTER TABLE app.posts ALTER COLUMN body SET STATISTICS 500;
-- range partitions, one sub-partitioned by list with a default, a default; hash partitions
CREATE TABLE app.m (id bigint NOT NULL, at date NOT NULL, k int NOT NULL REFERENCES app.kinds (k), note text) PARTITION BY RANGE (at);
CREATE TABLE app.m_2025 PARTITION OF app.m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.m_2026 PARTITION OF app.m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (k);
CREATE TABLE app.m_2026_a PARTITION OF app.m_2026 FOR VALUES IN (1, 2);
CREATE TABLE app.m_2026_rest PARTITION OF app.m_2026 DEFAULT;
CREATE TABLE app.m_default PARTITION OF app.m DEFAULT;
ALTER TABLE app.m ADD PRIMARY KEY (id, at, k);
CREATE INDEX m_note_idx ON app.m (note) WHERE note IS NOT NULL;
CREATE INDEX m_2025_local_idx ON app.m_2025 (k);
CREATE TABLE app.h (id int NOT NULL, v text) PARTITION BY HASH (id);
CREATE TABLE app.h0 PARTITION OF app.h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE app.h1 PARTITION OF app.h FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE UNIQUE INDEX h_id_key ON app.h (id);
CREATE TABLE app.refs (id int PRIMARY KEY, m_id bigint, m_at date, m_k int,
  FOREIGN KEY (m_id, m_at, m_k) REFERENCES app.m (id, at, k));
CREATE UNIQUE INDEX posts_body_md5_idx ON app.posts (md5(body));
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := coalesce(NEW.body, ''); RETURN NEW; END $$;
CREATE FUNCTION app.user_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM app.users $$;
CREATE TRIGGER posts_touch BEFORE INSERT ON app.posts FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE VIEW app.user_posts AS SELECT u.email, p.body FROM app.users u JOIN app.posts p ON p.user_id = u.id;
CREATE MATERIALIZED VIEW app.post_counts AS SELECT user_id, count(*) AS n FROM app.posts GROUP BY user_id;
CREATE INDEX post_counts_user_idx ON app.post_counts (user_id);
ALTER TABLE app.posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY posts_all ON app.posts USING (true);
COMMENT ON TABLE app.m IS 'measurements';
COMMENT ON COLUMN app.users.email IS 'login';
`;

let serverUrl: string;
let db: TestDatabase;

beforeAll(async () => {
  serverUrl = await findPostgres();
  db = await createTestDatabase('pgdump');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(source);
  } finally {
    await client.end();
  }
});
afterAll(async () => {
  await db?.drop();
});

async function dump(url: string): Promise<string> {
  const { stdout } = await run(pgBinary('pg_dump'), ['--schema-only', '--dbname', url], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

describe('pg_dump --schema-only as the desired schema', () => {
  it('loads, and gives an empty plan against the database it came from', async () => {
    const text = await dump(db.url);
    // What makes this dump a real test of the input: the statements that used to be refused are in it.
    for (const written of ['SET statement_timeout = 0;', 'OWNER TO', 'REPLICA IDENTITY FULL', 'ALTER INDEX app.m_pkey ATTACH PARTITION', 'ATTACH PARTITION app.m_2026_a', 'SET STATISTICS 500', "SELECT pg_catalog.set_config('search_path', '', false);"]) {
      expect(text).toContain(written);
    }
    const desired = await loadDesiredSchema({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'dump.sql' }, { scratchServerUrl: serverUrl });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const current = await introspect(client, {}).finally(() => client.end());
    expect(catalogDifferences(desired, current)).toEqual([]);
    expect(canonicalJson(desired)).toBe(canonicalJson(current));
    expect(buildPlan(current, desired).steps).toEqual([]);
    // Sanity: the dump is what was built (two-level partitions, hash partitions, the FK to a partitioned key).
    expect(desired.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['m_2026_a', 'm_2026_rest', 'h0', 'h1', 'refs']));
    expect(desired.tables.filter((t) => t.replicaIdentity).map((t) => [t.name, t.replicaIdentity])).toEqual([['posts', 'index posts_pkey'], ['users', 'full']]);
  });

  it('skips pg_dump’s session settings and owners, but still refuses other SETs and data', async () => {
    const parsed = await parseSchemaSql(
      "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\nCREATE TABLE t (a int);\nALTER TABLE public.t OWNER TO nobody;\n",
      'dump.sql',
    );
    // The timeouts never reach the sandbox's session; check_function_bodies = false does (pg_dump relies on it).
    expect(parsed.statements.map((s) => s.kind)).toEqual(['SET check_function_bodies', 'CREATE TABLE']);
    await expect(parseSchemaSql('SET search_path = app;', 'x.sql')).rejects.toThrow(/^x\.sql:1:1: SET is not schema definition/);
    await expect(parseSchemaSql('SET default_table_access_method = other;', 'x.sql')).rejects.toThrow(/^x\.sql:1:1: SET is not schema definition/);
    await expect(parseSchemaSql("SELECT pg_catalog.set_config('search_path', 'app', false);", 'x.sql')).rejects.toThrow(/^x\.sql:1:1: SELECT is not schema definition/);
    await expect(parseSchemaSql('\\restrict abc\nCREATE TABLE t (a int);\n\\! rm -rf /', 'x.sql')).rejects.toThrow(/^x\.sql:3:1: syntax error/);
  });
});
