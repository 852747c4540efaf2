import type { Extension } from '../catalog/model.js';
import type { IntrospectionContext } from './context.js';

/**
 * Installed extensions whose schema is in scope, or in pg_catalog in database scope. plpgsql is left
 * out: every database has it from template0, so it is not part of any tenant's schema.
 */
export async function readExtensions(ctx: IntrospectionContext, databaseScope: boolean): Promise<Extension[]> {
  const { rows } = await ctx.client.query<{ extname: string; nsp: string; nspname: string; extversion: string }>(
    `SELECT x.extname, x.extnamespace::text AS nsp, n.nspname, x.extversion
       FROM pg_extension x
       JOIN pg_namespace n ON n.oid = x.extnamespace
      WHERE x.extname <> 'plpgsql' AND (x.extnamespace = ANY($1::oid[]) OR ($2 AND n.nspname = 'pg_catalog'))`,
    [ctx.namespaceOids, databaseScope],
  );
  return rows.map((r) => ({ name: r.extname, schema: r.nspname === 'pg_catalog' ? r.nspname : ctx.schemaName(r.nsp), version: r.extversion }));
}
