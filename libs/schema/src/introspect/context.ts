import type pg from 'pg';
import type { Comments } from './comments.js';

/** What every per-kind reader needs: the connection (inside the snapshot) and the scope. */
export interface IntrospectionContext {
  client: pg.ClientBase;
  /** OIDs of the namespaces in scope; every query filters on `… = ANY($1::oid[])`. */
  namespaceOids: string[];
  /** The `schema` field for an object in this namespace: its name, or "" in schema scope. */
  schemaName(namespaceOid: string): string;
  comments: Comments;
  /** Schema scope: the scope name as PostgreSQL quotes it plus ".", for unqualify.ts; undefined in database scope. */
  scopePrefix?: string;
}

/** Keeps rows only for objects not created by an extension (those belong to the extension, not the tenant). */
export function notExtensionMember(catalogTable: string, oidColumn: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext
    WHERE ext.classid = 'pg_catalog.${catalogTable}'::pg_catalog.regclass AND ext.objid = ${oidColumn} AND ext.deptype = 'e')`;
}

/** Optional text columns come back as null; the model leaves absent fields out. */
export function optional(value: string | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : value;
}

/** Groups rows by an owner key (a table's oid …), keeping row order. */
export function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Drops keys whose value is undefined, so absent optional fields are absent, not undefined. */
export function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
