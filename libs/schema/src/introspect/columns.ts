import type { Column } from '../catalog/model.js';
import { optional, withoutUndefined, type IntrospectionContext } from './context.js';

/** A column and the oid of its table. */
export interface ColumnRow {
  tableOid: string;
  column: Column;
}

/**
 * Columns of every table in scope, in one query. Types are format_type, defaults and generation
 * expressions pg_get_expr, both printed under the scope's search_path; position is the column's rank in
 * attnum order among the table's live columns.
 */
export async function readColumns(ctx: IntrospectionContext): Promise<ColumnRow[]> {
  const { rows } = await ctx.client.query<{
    table_oid: string;
    attnum: number;
    attname: string;
    type: string;
    attnotnull: boolean;
    default_expr: string | null;
    attidentity: string;
    generated_expr: string | null;
    collation: string | null;
    inherited: boolean;
    position: number;
  }>(
    `SELECT a.attrelid::text AS table_oid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
            CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_expr,
            a.attidentity,
            CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated_expr,
            CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END AS collation,
            a.attinhcount > 0 AS inherited,
            row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int AS position
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    tableOid: r.table_oid,
    column: withoutUndefined({
      name: r.attname,
      position: r.position,
      type: r.type,
      notNull: r.attnotnull,
      default: optional(r.default_expr),
      identity: identityOf(r.attidentity),
      generated: optional(r.generated_expr),
      collation: optional(r.collation),
      inherited: r.inherited || undefined,
      comment: ctx.comments.of('class', r.table_oid, r.attnum),
    }),
  }));
}

function identityOf(attidentity: string): Column['identity'] {
  if (attidentity === 'a') return 'always';
  if (attidentity === 'd') return 'by default';
  return undefined;
}
