import type { EnumType } from '../catalog/model.js';
import { notExtensionMember, withoutUndefined, type IntrospectionContext } from './context.js';

/** Enum types in scope with their labels in sort order. */
export async function readEnums(ctx: IntrospectionContext): Promise<EnumType[]> {
  const { rows } = await ctx.client.query<{ oid: string; nsp: string; typname: string; labels: string[] }>(
    `SELECT t.oid::text AS oid, t.typnamespace::text AS nsp, t.typname,
            ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
       FROM pg_type t
      WHERE t.typtype = 'e' AND t.typnamespace = ANY($1::oid[]) AND ${notExtensionMember('pg_type', 't.oid')}`,
    [ctx.namespaceOids],
  );
  return rows.map((r) =>
    withoutUndefined<EnumType>({
      schema: ctx.schemaName(r.nsp),
      name: r.typname,
      values: r.labels,
      comment: ctx.comments.of('type', r.oid),
    }),
  );
}
