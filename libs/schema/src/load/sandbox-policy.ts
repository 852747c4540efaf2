import { loadModule, parseSync } from 'libpg-query';
import type { SchemaSource } from '@fleetshift/contracts';
import { SchemaInputError, inputName } from '../parse/schema-input-error.js';
import { positionInStatement, type ParsedSchema, type SchemaStatement } from '../parse/parsed-schema.js';
import { ALLOWED_FUNCTION_LANGUAGES } from './sandbox.js';

type Node = Record<string, unknown>;

interface DefElem {
  defname: string;
  arg?: Node;
  location?: number;
}

/**
 * Refuses a schema text larger than `maxBytes` (UTF-8) before it is parsed: parsing and loading cost
 * grows with the text, and no real schema comes near the bound.
 */
export function refuseOversizeSchema(source: Pick<SchemaSource, 'text' | 'filename'>, maxBytes: number): void {
  const bytes = Buffer.byteLength(source.text, 'utf8');
  if (bytes > maxBytes) {
    throw new SchemaInputError(
      inputName(source.filename),
      1,
      1,
      `the schema text is ${bytes} bytes (${mebibytes(bytes)}); at most ${maxBytes} bytes (${mebibytes(maxBytes)}) are accepted`,
    );
  }
}

/**
 * What the sandbox refuses on the parse, before anything runs, at the statement (or the clause) that
 * asks for it: an extension outside `allowedExtensions` (an extension's script runs with the rights of
 * whoever installs it, and some open the server's files or network), `CREATE EXTENSION … CASCADE` (it
 * would install extensions the text does not name), and functions or procedures in any language but
 * sql and plpgsql (the others, plperlu, plpython3u, c …, run code outside the database's control).
 * COPY, DO, SET and the rest are no schema definition: the parser refuses them already.
 */
export async function refuseUnsafeStatements(parsed: ParsedSchema, allowedExtensions: readonly string[]): Promise<void> {
  const checked = parsed.statements.filter(
    (s) => s.kind === 'CREATE EXTENSION' || s.kind === 'CREATE FUNCTION' || s.kind === 'CREATE PROCEDURE',
  );
  if (checked.length === 0) return;
  await loadModule();
  const allowed = new Set(allowedExtensions.map((e) => e.toLowerCase()));
  for (const statement of checked) {
    const tree = (parseSync(statement.sql).stmts?.[0]?.stmt ?? {}) as Node;
    if (tree.CreateExtensionStmt) checkExtension(statement, tree.CreateExtensionStmt as Node, allowed);
    if (tree.CreateFunctionStmt) checkFunction(statement, tree.CreateFunctionStmt as Node);
  }
}

function checkExtension(statement: SchemaStatement, body: Node, allowed: Set<string>): void {
  const name = String(body.extname);
  if (!allowed.has(name.toLowerCase())) {
    const list = allowed.size > 0 ? [...allowed].join(', ') : 'none';
    throw refusal(statement, undefined, `CREATE EXTENSION ${name} is not allowed: a desired schema may create only these extensions: ${list}`);
  }
  const cascade = options(body).find((o) => o.defname === 'cascade');
  if (cascade && cascade.arg?.Boolean && (cascade.arg.Boolean as Node).boolval === true) {
    throw refusal(
      statement,
      cascade.location,
      `CREATE EXTENSION ${name} … CASCADE is not accepted: it installs extensions the schema does not name; create each one it needs with its own CREATE EXTENSION`,
    );
  }
}

function checkFunction(statement: SchemaStatement, body: Node): void {
  const language = options(body).find((o) => o.defname === 'language');
  // No LANGUAGE clause: an SQL-standard body (RETURN …, BEGIN ATOMIC …) is sql; anything else PostgreSQL refuses.
  const name = language?.arg?.String ? String((language.arg.String as Node).sval) : 'sql';
  if (!ALLOWED_FUNCTION_LANGUAGES.includes(name.toLowerCase())) {
    const what = body.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION';
    const routine = ((body.funcname as Node[] | undefined) ?? []).map((n) => String((n.String as Node | undefined)?.sval ?? '')).join('.');
    throw refusal(
      statement,
      language?.location,
      `${what} ${routine} in LANGUAGE ${name} is not accepted: functions of a desired schema must be LANGUAGE ${ALLOWED_FUNCTION_LANGUAGES.join(' or ')} ` +
        '(other languages run code outside the database)',
    );
  }
}

function options(body: Node): DefElem[] {
  return ((body.options as Node[] | undefined) ?? []).map((o) => o.DefElem as unknown as DefElem).filter(Boolean);
}

/** A SchemaInputError at a byte offset of the statement's SQL (libpg-query locations are UTF-8 bytes), or at the statement. */
function refusal(statement: SchemaStatement, byteOffset: number | undefined, reason: string): SchemaInputError {
  const chars = byteOffset === undefined ? undefined : Buffer.from(statement.sql, 'utf8').subarray(0, byteOffset).toString('utf8').length + 1;
  const at = positionInStatement(statement, chars);
  return new SchemaInputError(statement.file, at.line, at.column, reason);
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 2)} MiB`;
}
