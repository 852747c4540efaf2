import type pg from 'pg';
import type { Catalog, Table, View } from '../catalog/model.js';
import { compareText, sortByKeys, sortByName } from '../catalog/order.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { groupBy, type IntrospectionContext } from './context.js';
import { readComments } from './comments.js';
import { readScope } from './scope.js';
import { readTables } from './tables.js';
import { readColumns } from './columns.js';
import { readConstraints } from './constraints.js';
import { readIndexes, type IndexRow } from './indexes.js';
import { readTriggers } from './triggers.js';
import { readPolicies } from './policies.js';
import { readPartitioning } from './partitioning.js';
import { readEnums } from './enums.js';
import { readSequences } from './sequences.js';
import { readViews } from './views.js';
import { readFunctions } from './functions.js';
import { readExtensions } from './extensions.js';

export interface IntrospectOptions {
  /** Schema scope (schema-per-tenant): read only this schema, with names inside it unqualified. */
  schema?: string;
}

/**
 * Reads the normalized catalog of a database (or one schema of it) from pg_catalog: about fifteen
 * set-based queries, whatever the number of tables, inside one read-only REPEATABLE READ transaction
 * so every query sees the same snapshot. The client must not be inside a transaction already.
 * Throws SchemaNotFoundError when `schema` does not exist (the session is left as it was).
 */
export async function introspect(client: pg.ClientBase, opts: IntrospectOptions = {}): Promise<Catalog> {
  const schema = opts.schema || undefined;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(printingSettings(schema));
    const catalog = await readCatalog(client, schema);
    await client.query('COMMIT');
    return catalog;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Text printed by format_type, pg_get_expr, regclass … depends on session settings: search_path decides
 * qualification; DateStyle, IntervalStyle, TimeZone and extra_float_digits decide how constants in
 * defaults and bounds print. Fixed for the transaction, so a tenant's or role's own settings do not
 * change the fingerprint.
 */
function printingSettings(schema: string | undefined): string {
  return [
    `SET LOCAL search_path = ${schema ? quoteIdent(schema) : "''"}`,
    "SET LOCAL datestyle = 'ISO, MDY'",
    "SET LOCAL intervalstyle = 'postgres'",
    "SET LOCAL timezone = 'UTC'",
    'SET LOCAL extra_float_digits = 1',
    'SET LOCAL quote_all_identifiers = off',
    "SET LOCAL bytea_output = 'hex'",
  ].join('; ');
}

async function readCatalog(client: pg.ClientBase, schema: string | undefined): Promise<Catalog> {
  const scope = await readScope(client, schema);
  const ctx: IntrospectionContext = {
    client,
    namespaceOids: scope.oids,
    schemaName: (oid) => (schema ? '' : (scope.nameOf.get(oid) ?? '')),
    comments: await readComments(client),
    scopePrefix: scope.prefix,
  };
  const indexes = await readIndexes(ctx);
  const tables = await readTablesWithParts(ctx, indexes);
  const views = await readViewsWithIndexes(ctx, indexes);
  return {
    scope: schema ?? '',
    schemas: schema ? [] : [...scope.names].sort(compareText),
    extensions: sortByKeys(await readExtensions(ctx, !schema), (e) => e.name),
    enums: sortByKeys(await readEnums(ctx), (e) => e.schema, (e) => e.name),
    sequences: sortByKeys(await readSequences(ctx), (s) => s.schema, (s) => s.name),
    tables: sortByKeys(tables, (t) => t.schema, (t) => t.name),
    views: sortByKeys(views, (v) => v.schema, (v) => v.name),
    functions: sortByKeys(await readFunctions(ctx), (f) => f.schema, (f) => f.name, (f) => f.identityArgs),
  };
}

/** Tables with their columns, constraints, indexes, triggers, policies and partitioning attached. */
async function readTablesWithParts(ctx: IntrospectionContext, indexes: IndexRow[]): Promise<Table[]> {
  const rows = await readTables(ctx);
  const byOid = new Map(rows.map((r) => [r.oid, r.table]));
  const attach = <T>(items: T[], owner: (item: T) => string, add: (table: Table, item: T) => void) => {
    for (const item of items) {
      const table = byOid.get(owner(item));
      if (table) add(table, item);
    }
  };
  attach(await readColumns(ctx), (r) => r.tableOid, (t, r) => t.columns.push(r.column));
  attach(await readConstraints(ctx), (r) => r.tableOid, (t, r) => t.constraints.push(r.constraint));
  attach(indexes, (r) => r.relationOid, (t, r) => t.indexes.push(r.index));
  attach(await readTriggers(ctx), (r) => r.tableOid, (t, r) => t.triggers.push(r.trigger));
  attach(await readPolicies(ctx), (r) => r.tableOid, (t, r) => t.policies.push(r.policy));
  attach(await readPartitioning(ctx), (r) => r.tableOid, (t, r) => {
    if (r.partitionKey !== undefined) t.partitionKey = r.partitionKey;
    if (r.partitionOf !== undefined) t.partitionOf = r.partitionOf;
  });
  for (const table of byOid.values()) {
    sortByName(table.columns);
    sortByName(table.constraints);
    sortByName(table.indexes);
    sortByName(table.triggers);
    sortByName(table.policies);
  }
  return [...byOid.values()];
}

/** Views, with the indexes of materialized views attached. */
async function readViewsWithIndexes(
  ctx: IntrospectionContext,
  indexes: IndexRow[],
): Promise<View[]> {
  const rows = await readViews(ctx);
  const indexesOf = groupBy(indexes, (r) => r.relationOid);
  return rows.map(({ oid, view }) => {
    if (view.materialized) view.indexes = sortByName((indexesOf.get(oid) ?? []).map((r) => r.index));
    return view;
  });
}
