import type pg from 'pg';
import { SchemaNotFoundError } from './schema-not-found.js';

/** The namespaces an introspection reads. */
export interface ScopeNamespaces {
  oids: string[];
  /** Names of the user schemas, for Catalog.schemas (database scope). */
  names: string[];
  nameOf: Map<string, string>;
  /** Schema scope: quote_ident(schema) + "." (how PostgreSQL qualifies names in it). */
  prefix?: string;
}

/**
 * The namespaces in scope, as SQL over pg_namespace `n`: with `$1` the schema (schema scope), or every user
 * schema (database scope). Shared by the introspection and the catalog stamp, so both always read the same
 * schemas.
 */
export function scopeNamespacePredicate(schemaScoped: boolean): string {
  return schemaScoped
    ? 'n.nspname = $1'
    : `n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'fleetshift')
            AND NOT EXISTS (SELECT 1 FROM pg_depend ext
                             WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid AND ext.deptype = 'e')`;
}

/**
 * Database scope: every user schema — not pg_* (catalog, toast, temp), not information_schema, not
 * `fleetshift` (the executor's bookkeeping), not a schema an extension created. Schema scope: that one
 * schema, which must exist (SchemaNotFoundError otherwise).
 */
export async function readScope(client: pg.ClientBase, schema: string | undefined): Promise<ScopeNamespaces> {
  const { rows } = await client.query<{ oid: string; nspname: string; quoted: string }>(
    `SELECT n.oid::text AS oid, n.nspname, quote_ident(n.nspname) AS quoted FROM pg_namespace n WHERE ${scopeNamespacePredicate(schema !== undefined)}`,
    schema !== undefined ? [schema] : [],
  );
  if (schema && rows.length === 0) throw new SchemaNotFoundError(schema);
  return {
    oids: rows.map((r) => r.oid),
    names: rows.map((r) => r.nspname),
    nameOf: new Map(rows.map((r) => [r.oid, r.nspname])),
    prefix: schema ? `${rows[0]!.quoted}.` : undefined,
  };
}
