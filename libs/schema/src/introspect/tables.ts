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
    relreplident: string;
    replica_index: string | null;
  }>(
    `SELECT c.oid::text AS oid, c.relnamespace::text AS nsp, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
            c.relreplident::text AS relreplident,
            (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indrelid = c.oid AND i.indisreplident) AS replica_index
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
      replicaIdentity: replicaIdentity(r.relreplident, r.replica_index),
      comment: ctx.comments.of('class', r.oid),
    }),
  }));
}

/** "fillfactor=70" → "fillfactor". */
function parameterName(option: string): string {
  const at = option.indexOf('=');
  return at < 0 ? option : option.slice(0, at);
}

/** relreplident → Table.replicaIdentity (absent for DEFAULT). */
function replicaIdentity(relreplident: string, index: string | null): string | undefined {
  if (relreplident === 'f') return 'full';
  if (relreplident === 'n') return 'nothing';
  if (relreplident === 'i' && index !== null) return `index ${index}`;
  return undefined;
}
