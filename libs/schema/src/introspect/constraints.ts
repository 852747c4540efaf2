import type { Constraint, ConstraintKind } from '../catalog/model.js';
import { optional, withoutUndefined, type IntrospectionContext } from './context.js';

export interface ConstraintRow {
  tableOid: string;
  constraint: Constraint;
}

const kinds: Record<string, ConstraintKind> = { p: 'primary', u: 'unique', f: 'foreign', c: 'check', x: 'exclusion' };

/**
 * Primary key, unique, foreign key, check and exclusion constraints of every table in scope.
 * (NOT NULL is a column property here; PostgreSQL 18's not-null constraint rows are skipped.)
 */
export async function readConstraints(ctx: IntrospectionContext): Promise<ConstraintRow[]> {
  const { rows } = await ctx.client.query<{
    oid: string;
    table_oid: string;
    conname: string;
    contype: string;
    definition: string;
    convalidated: boolean;
    columns: string[] | null;
    references: string | null;
    inherited: boolean;
  }>(
    `SELECT co.oid::text AS oid, co.conrelid::text AS table_oid, co.conname, co.contype::text AS contype,
            pg_get_constraintdef(co.oid) AS definition, co.convalidated,
            ARRAY(SELECT a.attname::text
                    FROM unnest(co.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS columns,
            CASE WHEN co.contype = 'f' THEN co.confrelid::regclass::text END AS references,
            (co.conparentid <> 0 OR co.coninhcount > 0) AS inherited
       FROM pg_constraint co
       JOIN pg_class c ON c.oid = co.conrelid
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p') AND co.contype IN ('p', 'u', 'f', 'c', 'x')
        -- A foreign key to a partitioned table has one internal copy per referenced partition on the same
        -- table (named by PostgreSQL, and in 15 left convalidated = false by VALIDATE CONSTRAINT): part of
        -- the key, not constraints of their own.
        AND NOT (co.contype = 'f' AND co.conparentid <> 0
                 AND EXISTS (SELECT 1 FROM pg_constraint p WHERE p.oid = co.conparentid AND p.conrelid = co.conrelid))`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    tableOid: r.table_oid,
    constraint: withoutUndefined<Constraint>({
      name: r.conname,
      kind: kinds[r.contype]!,
      definition: r.definition,
      validated: r.convalidated,
      columns: r.columns ?? [],
      references: optional(r.references),
      inherited: r.inherited || undefined,
      comment: ctx.comments.of('constraint', r.oid),
    }),
  }));
}
