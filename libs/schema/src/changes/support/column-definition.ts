import type { Column } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';

export interface ColumnDefinitionOptions {
  /** Leave out NOT NULL (the NOT NULL recipe adds it later). */
  omitNotNull?: boolean;
  /** Leave out the default (a volatile default is set after the column exists, then backfilled). */
  omitDefault?: boolean;
}

/**
 * `name type [COLLATE c] [GENERATED … | DEFAULT …] [NOT NULL]` for CREATE TABLE / ADD COLUMN. Type,
 * default and generation expressions are PostgreSQL's own text (format_type, pg_get_expr), emitted as is.
 */
export function columnDefinition(column: Column, opts: ColumnDefinitionOptions = {}): string {
  const parts = [quoteIdent(column.name), column.type];
  if (column.collation) parts.push(`COLLATE ${collationRef(column.collation)}`);
  if (column.generated) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  else if (column.identity) parts.push(`GENERATED ${column.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
  else if (column.default !== undefined && !opts.omitDefault) parts.push(`DEFAULT ${column.default}`);
  if (column.notNull && !opts.omitNotNull) parts.push('NOT NULL');
  return parts.join(' ');
}

/** A collation as introspection reports it: already quoted/qualified ("C", pg_catalog."C") or a bare name. */
export function collationRef(collation: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(collation) || collation.includes('"') ? collation : quoteIdent(collation);
}
