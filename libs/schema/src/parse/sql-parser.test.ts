import { describe, expect, it } from 'vitest';
import { parseSchemaSql } from './sql-parser.js';
import { SchemaInputError } from './schema-input-error.js';

/** The SchemaInputError a parse throws (fails the test when it does not throw one). */
async function parseError(text: string, file = 'schema.sql'): Promise<SchemaInputError> {
  const error = await parseSchemaSql(text, file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SchemaInputError);
  return error as SchemaInputError;
}

describe('parseSchemaSql', () => {
  it('accepts every kind of schema-definition statement, in order, with its position', async () => {
    const text = [
      'CREATE SCHEMA app;',
      'CREATE EXTENSION IF NOT EXISTS citext;',
      "CREATE TYPE mood AS ENUM ('sad', 'ok');",
      'CREATE SEQUENCE seq;',
      'CREATE TABLE users (id int PRIMARY KEY, n int);',
      'CREATE TABLE events (at date) PARTITION BY RANGE (at);',
      "CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      'CREATE INDEX users_n ON users (n);',
      'CREATE VIEW v AS SELECT id FROM users;',
      'CREATE MATERIALIZED VIEW mv AS SELECT id FROM users;',
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;',
      'CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f();',
      'CREATE POLICY p ON users USING (true);',
      'ALTER TABLE users ADD CONSTRAINT n_pos CHECK (n > 0);',
      'ALTER TABLE users ENABLE ROW LEVEL SECURITY;',
      'ALTER TABLE users ALTER COLUMN n SET DEFAULT 1;',
      'ALTER SEQUENCE seq OWNED BY users.n;',
      "COMMENT ON TABLE users IS 'people';",
    ].join('\n');
    const parsed = await parseSchemaSql(text, 'schema.sql');
    expect(parsed.statements.map((s) => s.kind)).toEqual([
      'CREATE SCHEMA',
      'CREATE EXTENSION',
      'CREATE TYPE … AS ENUM',
      'CREATE SEQUENCE',
      'CREATE TABLE',
      'CREATE TABLE',
      'CREATE TABLE … PARTITION OF',
      'CREATE INDEX',
      'CREATE VIEW',
      'CREATE MATERIALIZED VIEW',
      'CREATE FUNCTION',
      'CREATE TRIGGER',
      'CREATE POLICY',
      'ALTER TABLE … ADD CONSTRAINT',
      'ALTER TABLE … ENABLE ROW LEVEL SECURITY',
      'ALTER TABLE … ALTER COLUMN … SET DEFAULT',
      'ALTER SEQUENCE',
      'COMMENT ON',
    ]);
    expect(parsed.statements.map((s) => s.line)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(parsed.statements[4]).toMatchObject({ sql: 'CREATE TABLE users (id int PRIMARY KEY, n int)', line: 5, column: 1 });
  });

  it('places a statement after comments and blank lines where its first token is', async () => {
    const parsed = await parseSchemaSql('-- header\n\n/* block /* nested */ */\n   CREATE TABLE t (id int);', 'a.sql');
    expect(parsed.statements).toHaveLength(1);
    expect(parsed.statements[0]).toMatchObject({ line: 4, column: 4, sql: 'CREATE TABLE t (id int)' });
  });

  it('reports a syntax error as file:line:column with the parser message', async () => {
    const error = await parseError('CREATE TABLE a (id int);\n\nCREATE TABEL b (id int);');
    expect(error.message).toBe('schema.sql:3:8: syntax error at or near "TABEL"');
    expect([error.file, error.line, error.column]).toEqual(['schema.sql', 3, 8]);
  });

  it('counts columns in characters, not bytes, after multibyte text', async () => {
    const error = await parseError("COMMENT ON TABLE t IS 'déjà vu'; CREATE TABEL x ();");
    expect(error.line).toBe(1);
    expect(error.column).toBe("COMMENT ON TABLE t IS 'déjà vu'; CREATE ".length + 1);
  });

  it('places statements after multibyte text by character', async () => {
    const parsed = await parseSchemaSql("COMMENT ON TABLE t IS 'déjà vu'; CREATE TABLE x ();");
    expect(parsed.statements[1]).toMatchObject({ sql: 'CREATE TABLE x ()', line: 1, column: 34 });
    expect(parsed.statements[0]!.sql).toBe("COMMENT ON TABLE t IS 'déjà vu'");
  });

  it('reports an error at the end of input', async () => {
    const error = await parseError('CREATE TABLE a (\n  id int,');
    expect(error.message).toMatch(/^schema\.sql:2:10: syntax error at end of input$/);
  });

  it.each([
    ['INSERT INTO t VALUES (1);', 'INSERT'],
    ['UPDATE t SET a = 1;', 'UPDATE'],
    ['DELETE FROM t;', 'DELETE'],
    ['DROP TABLE t;', 'DROP TABLE'],
    ['DROP INDEX i;', 'DROP INDEX'],
    ['GRANT SELECT ON t TO public;', 'GRANT'],
    ['REVOKE SELECT ON t FROM public;', 'REVOKE'],
    ['TRUNCATE t;', 'TRUNCATE'],
    ['SET search_path = x;', 'SET'],
    ['BEGIN;', 'BEGIN'],
    ['ALTER TABLE t DROP COLUMN a;', 'ALTER TABLE … DROP COLUMN'],
    ['ALTER TABLE t ALTER COLUMN a TYPE text;', 'ALTER TABLE … ALTER COLUMN … TYPE'],
    ['ALTER TABLE t RENAME TO u;', 'ALTER TABLE … RENAME'],
    ['CREATE TABLE c AS SELECT 1;', 'CREATE TABLE … AS'],
    ['CREATE ROLE r;', 'CREATE ROLE'],
  ])('refuses %s by name, at its line and column', async (statement, name) => {
    const error = await parseError(`CREATE TABLE t (a int);\n  ${statement}`);
    expect(error.line).toBe(2);
    expect(error.column).toBe(3);
    expect(error.reason.startsWith(`${name} is not schema definition; only CREATE`)).toBe(true);
  });

  it('names the input <input> when it has no file name', async () => {
    const error = await parseError('INSERT INTO t VALUES (1);', '');
    expect(error.message.startsWith('<input>:1:1: INSERT is not schema definition')).toBe(true);
  });

  it('records the schema a statement qualifies its object with', async () => {
    const parsed = await parseSchemaSql(
      [
        'CREATE TABLE billing.invoices (id int);',
        'CREATE TABLE plain (id int REFERENCES billing.invoices (id));',
        "CREATE TYPE app.mood AS ENUM ('a');",
        'CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS $$SELECT 1$$;',
        'CREATE INDEX i ON billing.invoices (id);',
        'ALTER TABLE app.t ADD CONSTRAINT c CHECK (true);',
        'CREATE VIEW v AS SELECT 1 AS one;',
      ].join('\n'),
    );
    expect(parsed.statements.map((s) => s.targetSchema)).toEqual(['billing', undefined, 'app', 'app', 'billing', 'app', undefined]);
  });

  it('marks statements that must run alone', async () => {
    const parsed = await parseSchemaSql("CREATE INDEX CONCURRENTLY i ON t (a); ALTER TYPE e ADD VALUE 'x'; CREATE INDEX j ON t (a);");
    expect(parsed.statements.map((s) => s.alone)).toEqual([true, true, false]);
  });
});
