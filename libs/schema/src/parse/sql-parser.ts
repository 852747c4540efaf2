import { loadModule, parseSync, hasSqlDetails } from 'libpg-query';
import { SchemaInputError, inputName } from './schema-input-error.js';
import { SourceText, skipBlanksAndComments } from './source-text.js';
import { classifyStatement } from './statement-kind.js';
import { targetSchemaOf } from './target-schema.js';
import type { ParsedSchema, SchemaStatement } from './parsed-schema.js';

let parserReady: Promise<void> | undefined;

/** libpg-query is WebAssembly: its module loads once per process, before the first parse. */
function ensureParser(): Promise<void> {
  parserReady ??= loadModule();
  return parserReady;
}

interface RawStatement {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Parses PostgreSQL DDL with the real PostgreSQL parser and checks that every statement is schema
 * definition. Throws SchemaInputError at the first syntax error or refused statement, positioned
 * in `filename`. Text without statements (empty, only blanks, comments or semicolons) is an empty
 * schema: zero statements.
 */
export async function parseSchemaSql(text: string, filename?: string): Promise<ParsedSchema> {
  await ensureParser();
  const file = inputName(filename);
  text = withoutPgDumpRestrict(text);
  const source = new SourceText(text);
  const raw = parseOrThrow(text, source, file);
  return { file, statements: raw.map((r) => toStatement(r, source, file)).filter((s): s is SchemaStatement => s !== undefined) };
}

/**
 * pg_dump (15.14 and later) wraps a dump in the psql meta-commands `\restrict <key>` … `\unrestrict <key>`,
 * which keep a malicious server from running meta-commands through psql. They are not SQL: blanked (the
 * line stays, so positions in the rest of the text hold). Any other backslash command is a syntax error.
 */
function withoutPgDumpRestrict(text: string): string {
  return text.replace(/^\\(un)?restrict [A-Za-z0-9]+[ \t]*$/gm, '');
}

function parseOrThrow(text: string, source: SourceText, file: string): RawStatement[] {
  // libpg-query refuses exactly '' ("Query cannot be empty") yet parses blanks or a lone comment to no
  // statements; an empty text is an empty schema too (DiffRequest.from: "an empty database").
  if (text === '') return [];
  try {
    return (parseSync(text).stmts ?? []) as unknown as RawStatement[];
  } catch (error) {
    if (!hasSqlDetails(error) || !error.sqlDetails) throw error;
    // Unlike statement locations (UTF-8 bytes), libpg-query's cursorPosition is a 0-based character offset.
    const at = source.position(error.sqlDetails.cursorPosition);
    throw new SchemaInputError(file, at.line, at.column, error.sqlDetails.message);
  }
}

/** The statement to run, or undefined for one accepted but not run (pg_dump's session settings, OWNER TO). */
function toStatement(raw: RawStatement, source: SourceText, file: string): SchemaStatement | undefined {
  const locationBytes = raw.stmt_location ?? 0;
  const endBytes = raw.stmt_len ? locationBytes + raw.stmt_len : Buffer.byteLength(source.text, 'utf8');
  const rawText = source.sliceBytes(locationBytes, endBytes);
  const skipped = skipBlanksAndComments(rawText, 0);
  const startChar = source.charOffset(locationBytes) + skipped;
  const at = source.position(startChar);
  const verdict = classifyStatement(raw.stmt);
  if (!verdict.accepted) throw new SchemaInputError(file, at.line, at.column, verdict.reason);
  if (verdict.ignored) return undefined;
  const statement: SchemaStatement = { sql: rawText.slice(skipped).trimEnd(), kind: verdict.kind, alone: verdict.alone, file, line: at.line, column: at.column };
  const targetSchema = targetSchemaOf(raw.stmt);
  if (targetSchema !== undefined) statement.targetSchema = targetSchema;
  return statement;
}
