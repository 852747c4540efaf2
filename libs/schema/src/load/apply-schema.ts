import pg from 'pg';
import { quoteIdent } from '@fleetshift/sql-quote';
import { SchemaInputError } from '../parse/schema-input-error.js';
import { positionInStatement, type ParsedSchema, type SchemaStatement } from '../parse/parsed-schema.js';

/**
 * Statements per round trip when loading. A batch is one implicit transaction holding the locks of all
 * its statements, so it stays far below the server's lock table (max_locks_per_transaction × connections);
 * at 100 a 6,000-statement schema takes 60 round trips, which PostgreSQL's own DDL time dwarfs.
 */
const BATCH_STATEMENTS = 100;

export interface ApplySchemaOptions {
  /** Schema scope: create this schema and make it the session's search_path, so unqualified DDL lands in it. */
  schema?: string;
}

/**
 * Runs a parsed desired schema on a connection (normally a scratch database). Statements go in
 * batches, each one implicit transaction; when a batch fails it is rerun one statement at a time to find
 * the statement PostgreSQL refuses, and the error is a SchemaInputError at that statement's line:column
 * (or at the exact token, when PostgreSQL gives a position).
 */
export async function applySchema(client: pg.ClientBase, parsed: ParsedSchema, opts: ApplySchemaOptions = {}): Promise<void> {
  if (opts.schema) {
    refuseOutsideScope(parsed, opts.schema);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}`);
    await client.query(`SET search_path = ${quoteIdent(opts.schema)}`);
  }
  for (const batch of batches(parsed.statements)) {
    try {
      // A statement may end in a -- comment: the separator goes on a line of its own.
      await client.query(batch.map((s) => s.sql).join('\n;\n'));
    } catch (error) {
      if (!(error instanceof pg.DatabaseError)) throw error;
      // Either throws at the failing statement, or (a batch-only failure) leaves the batch applied.
      await replayOneByOne(client, batch);
    }
  }
}

/**
 * In schema scope every object must land in the scope: a qualified name elsewhere would be created but
 * never introspected (silently missing from the desired state), and CREATE SCHEMA has no place.
 */
function refuseOutsideScope(parsed: ParsedSchema, scope: string): void {
  for (const statement of parsed.statements) {
    const outside =
      statement.kind === 'CREATE SCHEMA'
        ? 'creates a schema'
        : statement.targetSchema !== undefined && statement.targetSchema !== scope
          ? `names schema ${JSON.stringify(statement.targetSchema)}`
          : undefined;
    if (outside) {
      throw new SchemaInputError(
        statement.file,
        statement.line,
        statement.column,
        `${statement.kind} ${outside}, but the schema is loaded into schema ${JSON.stringify(scope)}: leave names unqualified so they land in it`,
      );
    }
  }
}

/** Consecutive statements share a batch; a statement that must run alone gets its own. */
function batches(statements: SchemaStatement[]): SchemaStatement[][] {
  const result: SchemaStatement[][] = [];
  let current: SchemaStatement[] = [];
  for (const statement of statements) {
    if (statement.alone || current.length >= BATCH_STATEMENTS) {
      if (current.length > 0) result.push(current);
      current = [];
    }
    if (statement.alone) result.push([statement]);
    else current.push(statement);
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** The failed batch left nothing behind (one implicit transaction): replay it statement by statement. */
async function replayOneByOne(client: pg.ClientBase, batch: SchemaStatement[]): Promise<void> {
  for (const statement of batch) {
    try {
      await client.query(statement.sql);
    } catch (error) {
      if (!(error instanceof pg.DatabaseError)) throw error;
      throw inputError(statement, error, error.position === undefined ? undefined : Number(error.position));
    }
  }
}

function inputError(statement: SchemaStatement, error: pg.DatabaseError, position: number | undefined): SchemaInputError {
  // PostgreSQL maps errors in an SQL function's body to the body's literal (`position`); a PL/pgSQL
  // error has only an internal position, so it points at the statement, with PostgreSQL's context line.
  const at = positionInStatement(statement, position);
  const detail = error.detail ? ` (${error.detail})` : '';
  const where = error.where ? ` (${error.where.split('\n')[0]})` : '';
  // 57014 query_canceled: the sandbox's statement_timeout stopped the statement (or the load was cancelled).
  const hint = error.code === '57014' ? ': the statement ran longer than the scratch session allows' : '';
  return new SchemaInputError(statement.file, at.line, at.column, `${error.message}${hint}${detail}${where}`);
}
