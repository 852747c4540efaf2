import type { Policy } from '../catalog/model.js';
import { compareText } from '../catalog/order.js';
import { optional, withoutUndefined, type IntrospectionContext } from './context.js';

export interface PolicyRow {
  tableOid: string;
  policy: Policy;
}

const commands: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

/** Row-level security policies of tables in scope. */
export async function readPolicies(ctx: IntrospectionContext): Promise<PolicyRow[]> {
  const { rows } = await ctx.client.query<{
    table_oid: string;
    polname: string;
    polcmd: string;
    polpermissive: boolean;
    roles: string[];
    using_expr: string | null;
    check_expr: string | null;
  }>(
    `SELECT p.polrelid::text AS table_oid, p.polname, p.polcmd::text AS polcmd, p.polpermissive,
            ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_get_userbyid(r.oid)::text END
                    FROM unnest(p.polroles) AS r(oid)) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using_expr,
            pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
       FROM pg_policy p
       JOIN pg_class c ON c.oid = p.polrelid
      WHERE c.relnamespace = ANY($1::oid[])`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    tableOid: r.table_oid,
    policy: withoutUndefined<Policy>({
      name: r.polname,
      command: commands[r.polcmd] ?? r.polcmd,
      permissive: r.polpermissive,
      roles: [...r.roles].sort(compareText),
      using: optional(r.using_expr),
      withCheck: optional(r.check_expr),
    }),
  }));
}
