import { LockLevel } from '@fleetshift/contracts';
import type { Index, Table } from '../../catalog/model.js';
import { quoteIdent, quoteQualified } from '@fleetshift/sql-quote';
import { objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { indexRenames, plainIndexes } from '../support/index-pairs.js';
import { buildIndexSteps, dropIndexConcurrently } from '../support/index-builds.js';
import { tempName } from '../support/temp-names.js';

/**
 * A plain index new on an existing table: CREATE INDEX CONCURRENTLY, outside a transaction, under SHARE
 * UPDATE EXCLUSIVE (writes continue). A failed build leaves an INVALID index behind: the step's cleanup
 * (DROP INDEX CONCURRENTLY IF EXISTS) runs before a retry. INDEX_BUILD: it costs the cluster CPU and I/O.
 *
 * - Same name, other definition: online replacement — rename the old index aside, build the new one
 *   concurrently, then drop the old one concurrently (queries keep an index all along).
 * - Same name, INVALID in the tenant: dropped concurrently, then built again.
 * - On a partitioned parent there is no CONCURRENTLY: plain CREATE INDEX under SHARE (blocks writes):
 *   SHARE_LOCK + NOT_CONCURRENT, refused unless allowed.
 * Indexes of new tables are built by add-table; renamed ones by rename-index.
 */
export const addIndex: ChangeKind = {
  name: 'add-index',
  order: {
    // Built CONCURRENTLY, outside a transaction: after the views' transaction; on columns in their target shape.
    after: ['create-view', 'create-extension', 'create-function', 'add-enum-value', 'add-column', 'alter-column-type'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const renamedTo = new Set(indexRenames(from, to).map((p) => p.to.name));
      const existing = new Map(from.indexes.map((i) => [i.name, i]));
      for (const index of plainIndexes(to)) {
        if (!index.valid || renamedTo.has(index.name)) continue;
        const old = existing.get(index.name);
        let steps: StepDraft[];
        if (!old || old.constraint) steps = buildIndexSteps(ctx, to, index);
        else if (!old.valid) steps = [dropIndexConcurrently(ctx, to, index.name, `Drop INVALID leftover index ${index.name}`), ...buildIndexSteps(ctx, to, index)];
        else if (old.definition !== index.definition) steps = replaceSteps(ctx, to, index);
        else continue;
        items.push({ key: `${objectKey(to)}.${index.name}`, steps });
      }
    }
    return items;
  },
};

function replaceSteps(ctx: ChangeContext, table: Table, index: Index): StepDraft[] {
  const aside = tempName('fs_old', objectKey(table), index.name);
  return [
    {
      sql: `ALTER INDEX ${quoteQualified(table.schema, index.name)} RENAME TO ${quoteIdent(aside)}`,
      description: `Rename index ${index.name} aside before rebuilding it with a new definition`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
      lockTarget: ctx.ref(table),
    },
    ...buildIndexSteps(ctx, table, index),
    dropIndexConcurrently(ctx, table, aside, `Drop the old version of index ${index.name}`),
  ];
}
