import type { Table } from '../catalog/model.js';
import { compareText } from '../catalog/order.js';
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
    reloptions: string[] | null;
  }>(
    `SELECT c.oid::text AS oid, c.relnamespace::text AS nsp, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.reloptions
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
      storageParameters: r.reloptions?.length ? [...r.reloptions].sort((a, b) => compareText(parameterName(a), parameterName(b))) : undefined,
      comment: ctx.comments.of('class', r.oid),
    }),
  }));
}

/** "fillfactor=70" → "fillfactor". */
function parameterName(option: string): string {
  const at = option.indexOf('=');
  return at < 0 ? option : option.slice(0, at);
}
