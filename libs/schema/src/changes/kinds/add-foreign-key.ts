import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { withoutNotValid } from '../support/constraint-definition.js';
import { constraintsToAdd } from '../support/constraint-targets.js';
import { validateStep } from '../support/validate-step.js';

/**
 * A foreign key new in the target.
 * - On an existing table: `ADD CONSTRAINT … NOT VALID` — SHARE ROW EXCLUSIVE on both tables for a catalog
 *   update only — then `VALIDATE CONSTRAINT` in its own transaction (SHARE UPDATE EXCLUSIVE on the table,
 *   ROW SHARE on the referenced one: writes continue).
 * - On a table created by this plan: plain ADD CONSTRAINT; checking an empty table is instant. It runs
 *   after every new table exists, so tables may reference each other in any order.
 */
export const addForeignKey: ChangeKind = {
  name: 'add-foreign-key',
  order: {
    // The referenced table and key exist; its VALIDATE is isolated: after the views' transaction.
    after: ['drop-constraint', 'add-table', 'add-unique-constraint', 'create-view', 'add-column', 'alter-column-type'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table, constraint, existing } of constraintsToAdd(ctx, ['foreign'])) {
      const ref = ctx.ref(table);
      const definition = withoutNotValid(constraint.definition);
      const notValid = existing || !constraint.validated;
      items.push({
        key: `${objectKey(table)}.${constraint.name}`,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${definition}${notValid ? ' NOT VALID' : ''}`,
            description: existing
              ? `Add foreign key ${constraint.name} to ${displayName(table)} without validating existing rows`
              : `Add foreign key ${constraint.name} to new table ${displayName(table)}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_SHARE_ROW_EXCLUSIVE,
            lockTarget: ref,
          },
          ...(existing && constraint.validated ? [validateStep(ctx, table, constraint)] : []),
        ],
      });
    }
    return items;
  },
};
