import type { Table } from '../catalog/model.js';
import { notExtensionMember, withoutUndefined, type IntrospectionContext } from './context.js';

/** A table with the oid the other readers attach their rows to. */
export interface TableRow {
  oid: string;
  table: Table;
}

/** Ordinary and partitioned tables in scope (columns and the rest are attached by their own readers). */
export async function readTables(ctx: IntrospectionContext): Promise<TableRow[]> {
  const { rows } = await ctx.client.query<{
    oid: string;
    nsp: string;
    relname: string;
    relrowsecurity: boolean;
    relforcerowsecurity: boolean;
  }>(
    `SELECT c.oid::text AS oid, c.relnamespace::text AS nsp, c.relname, c.relrowsecurity, c.relforcerowsecurity
       FROM pg_class c
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p') AND ${notExtensionMember('pg_class', 'c.oid')}`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    oid: r.oid,
    table: withoutUndefined<Table>({
      schema: ctx.schemaName(r.nsp),
      name: r.relname,
      columns: [],
      constraints: [],
      indexes: [],
      triggers: [],
      policies: [],
      rowSecurity: r.relrowsecurity,
      forceRowSecurity: r.relforcerowsecurity,
      comment: ctx.comments.of('class', r.oid),
    }),
  }));
}
