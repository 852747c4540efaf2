import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { withoutNotValid } from '../support/constraint-definition.js';
import { constraintsToAdd } from '../support/constraint-targets.js';
import { validateStep } from '../support/validate-step.js';

/**
 * A CHECK constraint new on an existing table: `ADD CONSTRAINT … NOT VALID` (ACCESS EXCLUSIVE, catalog
 * only; new rows are checked from now on), then `VALIDATE CONSTRAINT` in a transaction of its own, which
 * reads the table under SHARE UPDATE EXCLUSIVE while writes continue. A target constraint that is itself
 * NOT VALID is not validated.
 */
export const addCheckConstraint: ChangeKind = {
  name: 'add-check-constraint',
  order: {
    // What its expression calls exists; its VALIDATE is isolated: after the views' transaction.
    after: ['drop-constraint', 'create-function', 'add-enum-value', 'create-view', 'add-column', 'alter-column-type'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table, constraint } of constraintsToAdd(ctx, ['check'])) {
      const ref = ctx.ref(table);
      items.push({
        key: `${objectKey(table)}.${constraint.name}`,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${withoutNotValid(constraint.definition)} NOT VALID`,
            description: `Add check constraint ${constraint.name} to ${displayName(table)} without validating existing rows`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
            lockTarget: ref,
          },
          ...(constraint.validated ? [validateStep(ctx, table, constraint)] : []),
        ],
      });
    }
    return items;
  },
};
