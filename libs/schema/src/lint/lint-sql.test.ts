import { describe, expect, it } from 'vitest';
import { LintSyntaxError, lintSql } from './lint-sql.js';

const rules = (sql: string) => lintSql(sql).map((f) => f.rule);

describe('lintSql', () => {
  it('flags a plain CREATE INDEX on an existing table with its position', () => {
    const findings = lintSql("SET lock_timeout = '2s';\n\n  CREATE INDEX i ON t (a);\n");
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'create-index-not-concurrently', severity: 'error', line: 3, column: 3 }),
    ]);
  });

  it('accepts the lock-safe recipes', () => {
    const sql = [
      "SET lock_timeout = '2s';",
      'CREATE INDEX CONCURRENTLY i ON t (a);',
      'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID;',
      'ALTER TABLE t VALIDATE CONSTRAINT f;',
      'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;',
      'CREATE UNIQUE INDEX CONCURRENTLY k ON t (b);',
      'ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k;',
      "ALTER TABLE t ADD COLUMN d int DEFAULT 0, ADD COLUMN e timestamptz DEFAULT now();",
      'DROP INDEX CONCURRENTLY i;',
    ].join('\n');
    expect(lintSql(sql)).toEqual([]);
  });

  it('flags unsafe ALTER TABLE commands', () => {
    const sql = [
      "SET lock_timeout = '2s';",
      'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);',
      'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);',
      'ALTER TABLE t ADD CONSTRAINT k UNIQUE (b);',
      'ALTER TABLE t ALTER COLUMN a SET NOT NULL;',
      'ALTER TABLE t ALTER COLUMN a TYPE bigint;',
      'ALTER TABLE t ADD COLUMN g uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE t ADD COLUMN h int NOT NULL;',
      'ALTER TABLE t DROP COLUMN z;',
      'DROP TABLE old;',
      'DROP INDEX i;',
    ].join('\n');
    expect(rules(sql)).toEqual([
      'add-foreign-key-validates',
      'add-check-validates',
      'add-unique-builds-index',
      'set-not-null-scan',
      'alter-column-type',
      'add-column-volatile-default',
      'add-column-not-null-without-default',
      'drop-column',
      'drop-table',
      'drop-index-not-concurrently',
    ]);
    const lines = lintSql(sql).map((f) => f.line);
    expect(lines).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(lintSql(sql).find((f) => f.rule === 'drop-column')?.hazards).toEqual(['DELETES_DATA']);
  });

  it('accepts SET NOT NULL after a validated IS NOT NULL check, and only then', () => {
    const recipe = [
      "SET lock_timeout = '2s';",
      'ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;',
      'ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;',
      'ALTER TABLE t ALTER COLUMN a SET NOT NULL;',
      'ALTER TABLE t ALTER COLUMN b SET NOT NULL;',
    ].join('\n');
    expect(lintSql(recipe).map((f) => [f.rule, f.line])).toEqual([['set-not-null-scan', 5]]);
  });

  it('treats a materialized view created in the script as new', () => {
    expect(rules("SET lock_timeout = '2s';\nCREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;\nCREATE INDEX i ON mv (x);")).toEqual([]);
  });

  it('flags table rewrites and long locks outside ALTER TABLE', () => {
    const sql = "SET lock_timeout = '2s';\nVACUUM FULL t;\nVACUUM t;\nCLUSTER t USING t_pkey;\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nREFRESH MATERIALIZED VIEW mv;\nREFRESH MATERIALIZED VIEW CONCURRENTLY mv;\nTRUNCATE t;";
    expect(lintSql(sql).map((f) => [f.rule, f.line])).toEqual([
      ['vacuum-full', 2],
      ['cluster', 4],
      ['explicit-lock', 5],
      ['refresh-not-concurrently', 6],
      ['truncate', 8],
    ]);
  });

  it('warns once when DDL runs without a lock_timeout', () => {
    expect(rules('CREATE INDEX CONCURRENTLY i ON t (a);\nCREATE INDEX CONCURRENTLY j ON t (b);')).toEqual(['missing-lock-timeout']);
  });

  it('does not apply lock rules to a table created earlier in the script', () => {
    expect(rules('CREATE TABLE n (a int);\nCREATE INDEX i ON n (a);\nALTER TABLE n ADD CONSTRAINT c CHECK (a > 0);')).toEqual([]);
  });

  it('reports a syntax error with its position', () => {
    expect(() => lintSql('SELECT 1;\nCREATE TABLEX t ();', 'm.sql')).toThrow(LintSyntaxError);
    try {
      lintSql('SELECT 1;\nCREATE TABLEX t ();', 'm.sql');
    } catch (e) {
      expect((e as LintSyntaxError).message).toMatch(/^m\.sql:2:\d+: syntax error/);
    }
  });
});
