import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '../sql/quote.js';
import { columnMap, displayName, objectKey } from './catalog-index.js';
import type { ChangeItem, ChangeKind } from './change.js';
import { HazardCode, hazard } from './hazards.js';
import { Phase } from './phases.js';

/**
 * A column gone from an existing table: DROP COLUMN is a catalog update (no rewrite; the space is
 * reclaimed by later updates), but the data is lost — DELETES_DATA. Views over the table were dropped
 * before and are re-created after; indexes and constraints on the column go with it.
 */
export const dropColumn: ChangeKind = {
  name: 'drop-column',
  phase: Phase.dropColumn,
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const target = columnMap(to);
      for (const column of from.columns) {
        if (target.has(column.name) || column.inherited) continue;
        const ref = ctx.ref(to);
        items.push({
          key: `${objectKey(to)}.${column.name}`,
          steps: [
            {
              sql: `ALTER TABLE ${ref} DROP COLUMN ${quoteIdent(column.name)}`,
              description: `Drop column ${displayName(to)}.${column.name}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
              hazards: [hazard(HazardCode.DELETES_DATA, `column ${displayName(to)}.${column.name} and its values are dropped`)],
            },
          ],
        });
      }
    }
    return items;
  },
};
