import { randomBytes } from 'node:crypto';
import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { findPostgres } from '@fleetshift/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../catalog/fingerprint.js';
import { introspect } from '../introspect/introspect.js';
import { loadDesiredSchema } from '../load/load-desired-schema.js';
import { withScratchDatabase } from '../load/scratch-database.js';
import { buildPlan } from '../plan/build-plan.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { parseOmniql, parseSchemaSource } from './parse-schema-source.js';
import { SchemaInputError } from './schema-input-error.js';
import { parseSchemaSql } from './sql-parser.js';

/** Texts without a statement: each is an empty schema ("empty from means an empty database"). */
const emptyTexts = ['', ' ', '\n\n\t', '-- nothing yet\n', '/* a /* nested */ comment */', ';', ' ; ;\n', '-- c\n;\n'];

const source = (format: SchemaFormat, text: string): SchemaSource => ({ format, text, filename: 'empty' });

describe('empty input', () => {
  it.each(emptyTexts.map((t) => [JSON.stringify(t), t] as const))('SQL %s parses to zero statements', async (_label, text) => {
    expect(await parseSchemaSql(text, 'empty.sql')).toEqual({ file: 'empty.sql', statements: [] });
  });

  it.each(['', '\n', '-- no entities yet\n', ' ; '].map((t) => [JSON.stringify(t), t] as const))(
    'OmniQL %s parses to zero statements',
    async (_label, text) => {
      expect(await parseOmniql(text, 'empty.oql')).toEqual({ file: 'empty.oql', statements: [] });
      expect((await parseSchemaSource(source(SchemaFormat.SCHEMA_FORMAT_OMNIQL, text))).statements).toEqual([]);
    },
  );

  it('still refuses text that is not empty but broken (an unterminated comment)', async () => {
    const error = await parseSchemaSql('/* never closed', 'bad.sql').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaInputError);
    expect((error as SchemaInputError).message).toMatch(/^bad\.sql:1:1: unterminated \/\* comment/);
  });

  describe('loaded with PostgreSQL', () => {
    let serverUrl: string;
    const tag = `e${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      serverUrl = await findPostgres();
    });

    /** What introspection reads from a database nobody has touched (in schema scope: just its schema). */
    function freshCatalog(schema?: string) {
      return withScratchDatabase(serverUrl, async (client) => {
        if (schema) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
        return introspect(client, schema ? { schema } : {});
      }, { tag });
    }

    it.each([SchemaFormat.SCHEMA_FORMAT_SQL, SchemaFormat.SCHEMA_FORMAT_OMNIQL])(
      'an empty text (format %s) is the catalog of a fresh database, and diffs from it to nothing',
      async (format) => {
        const empty = await loadDesiredSchema(source(format, ''), { scratchServerUrl: serverUrl, scratchTag: tag });
        expect(canonicalJson(empty)).toBe(canonicalJson(await freshCatalog()));
        const scoped = await loadDesiredSchema(source(format, '-- nothing\n'), { scratchServerUrl: serverUrl, schema: 'tenant_e', scratchTag: tag });
        expect(canonicalJson(scoped)).toBe(canonicalJson(await freshCatalog('tenant_e')));
        expect(buildPlan(empty, empty).steps).toEqual([]);
      },
    );

    it('an empty from-state plans the whole desired schema', async () => {
      const empty = await loadDesiredSchema(source(SchemaFormat.SCHEMA_FORMAT_SQL, ''), { scratchServerUrl: serverUrl, scratchTag: tag });
      const desired = await loadDesiredSchema(source(SchemaFormat.SCHEMA_FORMAT_SQL, 'CREATE TABLE t (id int PRIMARY KEY);'), {
        scratchServerUrl: serverUrl,
        scratchTag: tag,
      });
      const plan = buildPlan(empty, desired);
      expect(plan.steps.map((s) => s.change)).toContain('add-table');
    });
  });
});
