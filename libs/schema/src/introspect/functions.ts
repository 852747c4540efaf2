import type { FunctionDef } from '../catalog/model.js';
import { notExtensionMember, withoutUndefined, type IntrospectionContext } from './context.js';
import { unqualifyFunctionDefinition } from './unqualify.js';

/** Functions and procedures in scope (not aggregates or window functions), as full CREATE statements. */
export async function readFunctions(ctx: IntrospectionContext): Promise<FunctionDef[]> {
  const { rows } = await ctx.client.query<{
    oid: string;
    nsp: string;
    proname: string;
    identity_args: string;
    definition: string;
  }>(
    `SELECT p.oid::text AS oid, p.pronamespace::text AS nsp, p.proname,
            pg_get_function_identity_arguments(p.oid) AS identity_args, pg_get_functiondef(p.oid) AS definition
       FROM pg_proc p
      WHERE p.pronamespace = ANY($1::oid[]) AND p.prokind IN ('f', 'p') AND ${notExtensionMember('pg_proc', 'p.oid')}`,
    [ctx.namespaceOids],
  );
  return rows.map((r) =>
    withoutUndefined<FunctionDef>({
      schema: ctx.schemaName(r.nsp),
      name: r.proname,
      identityArgs: r.identity_args,
      definition: unqualifyFunctionDefinition(r.definition, ctx.scopePrefix),
      comment: ctx.comments.of('proc', r.oid),
    }),
  );
}
