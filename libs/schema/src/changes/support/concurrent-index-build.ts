import { LockLevel } from '@fleetshift/contracts';
import type { Index, Table } from '../../catalog/model.js';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from './catalog-index.js';
import type { ChangeContext, StepDraft } from '../change.js';
import { HazardCode, hazard } from './hazards.js';
import { createIndexSql } from './index-definition.js';

/**
 * CREATE INDEX CONCURRENTLY of `index` on the existing, not partitioned `table` (a plain table or a leaf
 * partition): outside a transaction, SHARE UPDATE EXCLUSIVE (reads and writes go on). Its cleanup_sql
 * drops what an interrupted build left (an INVALID index) before a retry or a resumed run.
 */
export function concurrentBuildStep(ctx: ChangeContext, table: Table, index: Index): StepDraft {
  const name = `${index.name} on ${displayName(table)}`;
  return {
    sql: createIndexSql(index.definition, index.name, { concurrently: true }),
    description: `Create index ${name} concurrently`,
    transactional: false,
    lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
    lockTarget: ctx.ref(table),
    scansTable: true,
    long: true,
    hazards: [hazard(HazardCode.INDEX_BUILD, `index ${name} is built concurrently (CPU and I/O on the cluster)`)],
    cleanupSql: concurrentBuildCleanupSql(table.schema, index.name),
  };
}

/**
 * The cleanup_sql of a concurrent build of index `name` (schema '' in a schema-relative plan): it drops
 * the INVALID leftover an interrupted build leaves. The executor's drift check recognises such a leftover
 * by this exact text, so the planner and the executor must share it.
 */
export function concurrentBuildCleanupSql(schema: string, name: string): string {
  return `DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(schema, name)}`;
}

/**
 * Drop an index of an existing table without blocking writes. On a partitioned parent there is no
 * CONCURRENTLY: plain DROP INDEX (it takes the partitions' attached indexes with it), ACCESS EXCLUSIVE
 * for a catalog update.
 */
export function dropIndexConcurrently(ctx: ChangeContext, table: Table, indexName: string, description: string): StepDraft {
  const ref = ctx.ref(table);
  const index = quoteQualified(table.schema, indexName);
  if (table.partitionKey) {
    return { sql: `DROP INDEX IF EXISTS ${index}`, description, transactional: true, lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE, lockTarget: ref };
  }
  return {
    sql: `DROP INDEX CONCURRENTLY IF EXISTS ${index}`,
    description,
    transactional: false,
    lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
    lockTarget: ref,
  };
}
