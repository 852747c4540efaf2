import type { View } from '../catalog/model.js';
import { compareText } from '../catalog/order.js';
import { notExtensionMember, withoutUndefined, type IntrospectionContext } from './context.js';

export interface ViewRow {
  oid: string;
  view: View;
}

/** Views and materialized views in scope, with the relations their query reads. */
export async function readViews(ctx: IntrospectionContext): Promise<ViewRow[]> {
  const { rows } = await ctx.client.query<{
    oid: string;
    nsp: string;
    relname: string;
    materialized: boolean;
    definition: string;
    depends_on: string[];
  }>(
    `SELECT c.oid::text AS oid, c.relnamespace::text AS nsp, c.relname, c.relkind = 'm' AS materialized,
            pg_get_viewdef(c.oid) AS definition,
            ARRAY(SELECT DISTINCT d.refobjid::regclass::text
                    FROM pg_rewrite rw
                    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                                    AND d.refclassid = 'pg_class'::regclass
                   WHERE rw.ev_class = c.oid AND d.refobjid <> c.oid) AS depends_on
       FROM pg_class c
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('v', 'm') AND ${notExtensionMember('pg_class', 'c.oid')}`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    oid: r.oid,
    view: withoutUndefined<View>({
      schema: ctx.schemaName(r.nsp),
      name: r.relname,
      materialized: r.materialized,
      definition: r.definition,
      dependsOn: [...r.depends_on].sort(compareText),
      indexes: r.materialized ? [] : undefined,
      comment: ctx.comments.of('class', r.oid),
    }),
  }));
}
