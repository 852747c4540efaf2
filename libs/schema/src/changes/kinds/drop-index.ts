import { objectKey, displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { dropIndexConcurrently } from '../support/index-builds.js';
import { indexRenames, plainIndexes } from '../support/index-pairs.js';

/**
 * A plain index gone from an existing table: DROP INDEX CONCURRENTLY IF EXISTS, outside a transaction
 * (SHARE UPDATE EXCLUSIVE; queries go on). It runs after the new indexes are built, so a replaced index
 * keeps serving until its successor exists. IF EXISTS: a dropped column may have taken it already.
 */
export const dropIndex: ChangeKind = {
  name: 'drop-index',
  order: {
    // A replaced index keeps serving queries until its successor is built.
    after: ['add-index'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const renamedFrom = new Set(indexRenames(from, to).map((p) => p.from.name));
      const target = new Set(to.indexes.map((i) => i.name));
      for (const index of plainIndexes(from)) {
        if (target.has(index.name) || renamedFrom.has(index.name)) continue;
        items.push({
          key: `${objectKey(to)}.${index.name}`,
          steps: [dropIndexConcurrently(ctx, to, index.name, `Drop index ${index.name} on ${displayName(to)}`)],
        });
      }
    }
    return items;
  },
};
