import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { SchemaInputError, inputName } from './schema-input-error.js';
import { parseSchemaSql } from './sql-parser.js';
import { translateOmniql } from './omniql.js';
import type { ParsedSchema, SchemaStatement } from './parsed-schema.js';

/** Parses a desired schema in either input format; unspecified format is decided by the file name. */
export async function parseSchemaSource(source: SchemaSource): Promise<ParsedSchema> {
  return isOmniql(source) ? parseOmniql(source.text, source.filename) : parseSchemaSql(source.text, source.filename);
}

/** The format parseSchemaSource reads a source in: its own, or (unspecified) the one its file name says. */
export function schemaSourceFormat(source: SchemaSource): 'sql' | 'omniql' {
  return isOmniql(source) ? 'omniql' : 'sql';
}

function isOmniql(source: SchemaSource): boolean {
  if (source.format === SchemaFormat.SCHEMA_FORMAT_OMNIQL) return true;
  if (source.format === SchemaFormat.SCHEMA_FORMAT_SQL) return false;
  return source.filename.toLowerCase().endsWith('.oql');
}

/**
 * OmniQL → PostgreSQL DDL → the SQL path, so OmniQL input obeys exactly the same rules. Errors in
 * the generated SQL point at the OmniQL statement that produced it.
 */
export async function parseOmniql(text: string, filename?: string): Promise<ParsedSchema> {
  const file = inputName(filename);
  const statements: SchemaStatement[] = [];
  for (const translated of translateOmniql(text, filename)) {
    let parsed: ParsedSchema;
    try {
      parsed = await parseSchemaSql(translated.sql, file);
    } catch (error) {
      if (!(error instanceof SchemaInputError)) throw error;
      throw new SchemaInputError(file, translated.line, translated.column, `${error.reason} (in the generated SQL: ${translated.sql.replace(/\s+/g, ' ')})`);
    }
    for (const statement of parsed.statements) {
      statements.push({ ...statement, line: translated.line, column: translated.column, generated: true });
    }
  }
  return { file, statements };
}
