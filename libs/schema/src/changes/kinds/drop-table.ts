import { LockLevel } from '@fleetshift/contracts';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

/**
 * A table that is gone from the target: DROP TABLE (its indexes, constraints, triggers and owned
 * sequences go with it). Data is lost: DELETES_DATA. Foreign keys pointing at it and views over it were
 * dropped earlier in the plan; a partition whose parent is dropped goes with its parent.
 */
export const dropTable: ChangeKind = {
  name: 'drop-table',
  order: {
    // Views over it and foreign keys of kept tables into it go first.
    after: ['drop-view', 'drop-constraint'],
  },
  plan(ctx) {
    const dropped = ctx.droppedTables();
    const droppedRefs = new Set(dropped.map((t) => displayName(t)));
    return dropped
      .filter((t) => !(t.partitionOf && droppedRefs.has(t.partitionOf.parent.replaceAll('"', ''))))
      .map((table) => ({
        key: objectKey(table),
        steps: [
          {
            sql: `DROP TABLE ${ctx.ref(table)}`,
            description: `Drop table ${displayName(table)}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
            lockTarget: ctx.ref(table),
            hazards: [hazard(HazardCode.DELETES_DATA, `table ${displayName(table)} and all its rows are dropped`)],
          },
        ],
      }));
  },
};
