import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { constraintsToAdd } from '../support/constraint-targets.js';
import { HazardCode, hazard } from '../support/hazards.js';

/**
 * An exclusion constraint new on an existing table. PostgreSQL has no concurrent form (no USING INDEX for
 * EXCLUDE): the index is built under ACCESS EXCLUSIVE. Refused unless ACCESS_EXCLUSIVE_LOCK, LONG_SCAN,
 * INDEX_BUILD and NOT_CONCURRENT are allowed.
 */
export const addExclusionConstraint: ChangeKind = {
  name: 'add-exclusion-constraint',
  order: {
    // Its operator classes and what its expressions call exist; its build is isolated (a transaction of its own): after the views' transaction.
    after: ['drop-constraint', 'create-extension', 'create-function', 'create-view', 'add-column', 'alter-column-type'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table, constraint } of constraintsToAdd(ctx, ['exclusion'])) {
      const ref = ctx.ref(table);
      const name = `${constraint.name} on ${displayName(table)}`;
      items.push({
        key: `${objectKey(table)}.${constraint.name}`,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`,
            description: `Add exclusion constraint ${name} (builds its index under ACCESS EXCLUSIVE)`,
            transactional: true,
            isolated: true,
            lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
            lockTarget: ref,
            scansTable: true,
            long: true,
            hazards: [
              hazard(HazardCode.ACCESS_EXCLUSIVE_LOCK, `${displayName(table)} is locked while exclusion constraint ${constraint.name} builds`),
              hazard(HazardCode.LONG_SCAN, `exclusion constraint ${name} reads the whole table`),
              hazard(HazardCode.INDEX_BUILD, `the index of exclusion constraint ${name} is built`),
              hazard(HazardCode.NOT_CONCURRENT, `exclusion constraints have no concurrent build`),
            ],
          },
        ],
      });
    }
    return items;
  },
};
