import type { SourcePosition } from './source-text.js';

/** One accepted statement of a desired schema, ready to run, with where it came from. */
export interface SchemaStatement {
  /** The statement's SQL text, without its terminating semicolon. */
  sql: string;
  /** Its SQL name ("CREATE TABLE", "COMMENT ON", …). */
  kind: string;
  /** Must run on its own rather than inside a batch (CREATE INDEX CONCURRENTLY, ALTER TYPE … ADD VALUE). */
  alone: boolean;
  /** The schema the statement names for its object when the name is qualified (`billing.invoices` → "billing"). */
  targetSchema?: string;
  /** Input file name, for messages. */
  file: string;
  /** Where the statement starts in the input (1-based). */
  line: number;
  column: number;
  /**
   * True when `sql` was generated (from OmniQL): positions inside it do not correspond to the input,
   * so errors point at the statement's start.
   */
  generated?: boolean;
}

/** A desired schema parsed and checked: accepted statements in input order. */
export interface ParsedSchema {
  file: string;
  statements: SchemaStatement[];
}

/**
 * The input position of a 1-based character position inside a statement's SQL (what PostgreSQL
 * reports as an error's `position`).
 */
export function positionInStatement(statement: SchemaStatement, position: number | undefined): SourcePosition {
  const start = { line: statement.line, column: statement.column };
  if (statement.generated || position === undefined || position < 1) return start;
  const before = statement.sql.slice(0, position - 1);
  const lastNewline = before.lastIndexOf('\n');
  if (lastNewline < 0) return { line: start.line, column: start.column + before.length };
  const newlines = before.split('\n').length - 1;
  return { line: start.line + newlines, column: before.length - lastNewline };
}
