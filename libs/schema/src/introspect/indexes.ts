import { INDEX_NAME_PLACEHOLDER, type Index } from '../catalog/model.js';
import { optional, withoutUndefined, type IntrospectionContext } from './context.js';
import { unqualifyIndexDefinition } from './unqualify.js';

export interface IndexRow {
  /** The table or materialized view the index is on. */
  relationOid: string;
  index: Index;
}

/**
 * Indexes of every table and materialized view in scope, with the name in the definition replaced by
 * a placeholder: a renamed index is the same index, and the diff can rename instead of rebuilding.
 */
export async function readIndexes(ctx: IntrospectionContext): Promise<IndexRow[]> {
  const { rows } = await ctx.client.query<{
    oid: string;
    relation_oid: string;
    relname: string;
    quoted: string;
    definition: string;
    indisunique: boolean;
    indisvalid: boolean;
    constraint: string | null;
    inherited: boolean;
  }>(
    `SELECT i.indexrelid::text AS oid, i.indrelid::text AS relation_oid, ic.relname, quote_ident(ic.relname) AS quoted,
            pg_get_indexdef(i.indexrelid) AS definition, i.indisunique, i.indisvalid,
            con.conname AS constraint,
            EXISTS (SELECT 1 FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid) AS inherited
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class c ON c.oid = i.indrelid
       LEFT JOIN pg_constraint con
              ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p', 'm')`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    relationOid: r.relation_oid,
    index: withoutUndefined<Index>({
      name: r.relname,
      definition: unqualifyIndexDefinition(withPlaceholder(r.definition, r.quoted), ctx.scopePrefix),
      unique: r.indisunique,
      constraint: optional(r.constraint),
      valid: r.indisvalid,
      inherited: r.inherited || undefined,
      comment: ctx.comments.of('class', r.oid),
    }),
  }));
}

/** "CREATE [UNIQUE] INDEX <quoted name> ON …" → "CREATE [UNIQUE] INDEX {{name}} ON …". */
function withPlaceholder(definition: string, quotedName: string): string {
  const prefix = definition.startsWith('CREATE UNIQUE INDEX ') ? 'CREATE UNIQUE INDEX ' : 'CREATE INDEX ';
  if (!definition.startsWith(`${prefix}${quotedName} ON `)) {
    throw new Error(`unexpected pg_get_indexdef output for index ${quotedName}: ${definition}`);
  }
  return `${prefix}${INDEX_NAME_PLACEHOLDER}${definition.slice(prefix.length + quotedName.length)}`;
}
