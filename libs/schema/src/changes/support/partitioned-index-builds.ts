import { LockLevel } from '@fleetshift/contracts';
import type { Index, Table } from '../../catalog/model.js';
import { quoteIdent, quoteQualified } from '@fleetshift/sql-quote';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeContext, StepDraft } from '../change.js';
import { concurrentBuildStep, dropIndexConcurrently } from './concurrent-index-build.js';
import { createIndexSql, indexShape } from './index-definition.js';
import { partitionIndexFor, partitionsOf } from './partition-tree.js';

/**
 * Build `index` on the existing partitioned table `table` without blocking writes. PostgreSQL has no
 * CREATE INDEX CONCURRENTLY on a partitioned table, and a plain CREATE INDEX there holds SHARE on every
 * partition for the whole build. Instead:
 *
 * 1. `CREATE INDEX … ON ONLY parent`: the parent's index alone, INVALID, nothing read (a partitioned
 *    table holds no rows) — SHARE on the parent for a catalog update, under the short lock_timeout;
 * 2. on each partition, `CREATE INDEX CONCURRENTLY` (its own non-transactional unit; its cleanup_sql
 *    drops an INVALID leftover of an interrupted build before a retry or a resumed run), or, when the
 *    partition already has a valid index of the same shape, that one (renamed to the target's name if
 *    needed); a sub-partitioned partition gets this same recipe one level down;
 * 3. `ALTER INDEX parent_idx ATTACH PARTITION part_idx` after each: SHARE UPDATE EXCLUSIVE on the parent
 *    index, ACCESS EXCLUSIVE on the partition's index for a catalog update (ACCESS SHARE on the tables).
 *    The parent's index becomes VALID when its last partition's index is attached.
 *
 * Partition index names are the target catalog's (what PostgreSQL named them when the desired schema was
 * loaded), so the result re-introspects equal to the target.
 */
export function partitionedIndexSteps(ctx: ChangeContext, table: Table, index: Index): StepDraft[] {
  const ref = ctx.ref(table);
  const steps: StepDraft[] = [
    {
      sql: createIndexSql(index.definition, index.name, { concurrently: false, only: true }),
      description: `Create index ${index.name} on partitioned table ${displayName(table)} alone (ON ONLY: INVALID until every partition's index is attached; SHARE on the parent for a catalog update, no rows read)`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_SHARE,
      lockTarget: ref,
    },
  ];
  for (const child of partitionsOf(ctx, table)) {
    const target = partitionIndexFor(table, index, child);
    steps.push(...partitionIndexSteps(ctx, child, target), attachIndexStep(ctx, table, index.name, child, target.name));
  }
  return steps;
}

/** The index `target` on partition `child`, ready to be attached: an existing one reused, or built. */
export function partitionIndexSteps(ctx: ChangeContext, child: Table, target: Index): StepDraft[] {
  const before = ctx.fromTables.get(objectKey(child))?.indexes ?? [];
  const shape = indexShape(target.definition);
  // A valid index of the same shape, unless the target keeps it as a partition-local index of its own.
  const keptLocal = new Set(child.indexes.filter((i) => !i.inherited).map((i) => i.name));
  const reusable = (i: Index) => i.valid && !i.inherited && !i.constraint && indexShape(i.definition) === shape && !keptLocal.has(i.name);
  const sameName = before.find((i) => i.name === target.name);
  const existing = sameName && reusable(sameName) ? sameName : before.find(reusable);
  if (existing) return existing.name === target.name ? [] : [renameIndexStep(ctx, child, existing.name, target.name)];
  const steps: StepDraft[] = [];
  if (sameName && !sameName.valid && !sameName.inherited) {
    steps.push(dropIndexConcurrently(ctx, child, sameName.name, `Drop INVALID leftover index ${sameName.name} on ${displayName(child)}`));
  }
  if (child.partitionKey) steps.push(...partitionedIndexSteps(ctx, child, target));
  else steps.push(concurrentBuildStep(ctx, child, target));
  return steps;
}

/** ALTER INDEX parent_idx ATTACH PARTITION part_idx: catalog only. */
export function attachIndexStep(ctx: ChangeContext, parent: Table, parentIndex: string, child: Table, childIndex: string): StepDraft {
  return {
    sql: `ALTER INDEX ${quoteQualified(parent.schema, parentIndex)} ATTACH PARTITION ${quoteQualified(child.schema, childIndex)}`,
    description: `Attach index ${childIndex} of partition ${displayName(child)} to ${parentIndex} of ${displayName(parent)} (ACCESS EXCLUSIVE on the partition's index, SHARE UPDATE EXCLUSIVE on the parent's, catalog only)`,
    transactional: true,
    lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
    lockTarget: ctx.ref(child),
  };
}

function renameIndexStep(ctx: ChangeContext, table: Table, from: string, to: string): StepDraft {
  return {
    sql: `ALTER INDEX ${quoteQualified(table.schema, from)} RENAME TO ${quoteIdent(to)}`,
    description: `Rename index ${from} of partition ${displayName(table)} to ${to}: it is attached as it is instead of building another`,
    transactional: true,
    lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
    lockTarget: ctx.ref(table),
  };
}
