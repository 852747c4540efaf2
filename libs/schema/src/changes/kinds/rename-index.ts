import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent, quoteQualified } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { indexRenames } from '../support/index-pairs.js';

/**
 * Same definition, other name: ALTER INDEX … RENAME TO, which takes SHARE UPDATE EXCLUSIVE (PostgreSQL
 * 12+) and touches only the catalog — instead of building a new index and dropping the old one.
 */
export const renameIndex: ChangeKind = {
  name: 'rename-index',
  // A catalog update needing nothing else; comment, which keeps an index's comment across it, declares it.
  order: {},
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      for (const pair of indexRenames(from, to)) {
        items.push({
          key: `${objectKey(to)}.${pair.to.name}`,
          steps: [
            {
              sql: `ALTER INDEX ${quoteQualified(to.schema, pair.from.name)} RENAME TO ${quoteIdent(pair.to.name)}`,
              description: `Rename index ${pair.from.name} to ${pair.to.name} on ${displayName(to)}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
              lockTarget: ctx.ref(to),
            },
          ],
        });
      }
    }
    return items;
  },
};
