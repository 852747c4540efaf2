import { LockLevel } from '@fleetshift/contracts';
import type { Index, Table } from '../../catalog/model.js';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from './catalog-index.js';
import type { ChangeContext, StepDraft } from '../change.js';
import { HazardCode, hazard } from './hazards.js';
import { createIndexSql } from './index-definition.js';

/** Build `index` on the existing `table`. */
export function buildIndexSteps(ctx: ChangeContext, table: Table, index: Index): StepDraft[] {
  const ref = ctx.ref(table);
  const name = `${index.name} on ${displayName(table)}`;
  if (table.partitionKey) {
    return [
      {
        sql: createIndexSql(index.definition, index.name, { concurrently: false }),
        description: `Create index ${name} (partitioned table: no concurrent build)`,
        transactional: true,
        isolated: true,
        lock: LockLevel.LOCK_LEVEL_SHARE,
        lockTarget: ref,
        scansTable: true,
        long: true,
        hazards: [
          hazard(HazardCode.INDEX_BUILD, `index ${name} is built`),
          hazard(HazardCode.NOT_CONCURRENT, `partitioned table ${displayName(table)} has no CREATE INDEX CONCURRENTLY`),
          hazard(HazardCode.SHARE_LOCK, `writes to ${displayName(table)} block while index ${index.name} builds`),
        ],
      },
    ];
  }
  return [
    {
      sql: createIndexSql(index.definition, index.name, { concurrently: true }),
      description: `Create index ${name} concurrently`,
      transactional: false,
      lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
      lockTarget: ref,
      scansTable: true,
      long: true,
      hazards: [hazard(HazardCode.INDEX_BUILD, `index ${name} is built concurrently (CPU and I/O on the cluster)`)],
      cleanupSql: concurrentBuildCleanupSql(table.schema, index.name),
    },
  ];
}

/**
 * The cleanup_sql of a concurrent build of index `name` (schema '' in a schema-relative plan): it drops
 * the INVALID leftover an interrupted build leaves. The executor's drift check recognises such a leftover
 * by this exact text, so the planner and the executor must share it.
 */
export function concurrentBuildCleanupSql(schema: string, name: string): string {
  return `DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(schema, name)}`;
}

/** Drop an index of an existing table without blocking writes (plain DROP on a partitioned parent). */
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
