import type { IntrospectionContext } from './context.js';

/** Partitioning facts of one table: its key when it is partitioned, its parent and bound when it is a partition. */
export interface PartitioningRow {
  tableOid: string;
  partitionKey?: string;
  partitionOf?: { parent: string; bound: string };
}

/** Partition keys and partition bounds of tables in scope (only tables that have either). */
export async function readPartitioning(ctx: IntrospectionContext): Promise<PartitioningRow[]> {
  const { rows } = await ctx.client.query<{
    table_oid: string;
    partition_key: string | null;
    parent: string | null;
    bound: string | null;
  }>(
    `SELECT c.oid::text AS table_oid,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
            CASE WHEN c.relispartition THEN
              (SELECT inh.inhparent::regclass::text FROM pg_inherits inh WHERE inh.inhrelid = c.oid LIMIT 1) END AS parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound
       FROM pg_class c
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p') AND (c.relkind = 'p' OR c.relispartition)`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    tableOid: r.table_oid,
    ...(r.partition_key !== null ? { partitionKey: r.partition_key } : {}),
    ...(r.parent !== null && r.bound !== null ? { partitionOf: { parent: r.parent, bound: r.bound } } : {}),
  }));
}
