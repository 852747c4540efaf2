import { LockLevel } from '@fleetshift/contracts';
import type { Constraint, Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { constraintMustBeDropped } from '../support/constraint-definition.js';
import { foreignKeysToRebuild } from '../support/foreign-key-dependencies.js';

/**
 * A constraint gone from an existing table, or changed (PostgreSQL has no ALTER for a constraint's
 * definition: it is dropped here and added again by its add-* module). Dropping is a catalog update
 * (ACCESS EXCLUSIVE, brief). Foreign keys on a key that is dropped here are dropped too, and added again
 * by add-foreign-key (NOT VALID, VALIDATE). Foreign keys go first — including those of tables dropped later in the plan,
 * so that dropping a referenced table or unique constraint never trips over them.
 */
export const dropConstraint: ChangeKind = {
  name: 'drop-constraint',
  // What must wait for the constraint to be gone (its re-creation, column changes, drop-table …) declares it.
  order: {},
  plan(ctx) {
    const items: ChangeItem[] = [];
    const rebuiltForeignKeys = foreignKeysToRebuild(ctx);
    for (const [from, to] of ctx.keptTables()) {
      const target = new Map(to.constraints.map((c) => [c.name, c]));
      for (const c of from.constraints) {
        if (c.inherited) continue;
        const rebuilt = rebuiltForeignKeys.has(`${objectKey(from)}.${c.name}`);
        if (!rebuilt && !constraintMustBeDropped(c, target.get(c.name))) continue;
        items.push(item(ctx, from, c));
      }
    }
    for (const table of ctx.droppedTables()) {
      for (const c of table.constraints) {
        if (c.kind === 'foreign' && !c.inherited) items.push(item(ctx, table, c));
      }
    }
    return items;
  },
};

function item(ctx: ChangeContext, table: Table, c: Constraint): ChangeItem {
  const ref = ctx.ref(table);
  const step: StepDraft = {
    sql: `ALTER TABLE ${ref} DROP CONSTRAINT ${quoteIdent(c.name)}`,
    description: `Drop ${c.kind} constraint ${c.name} on ${displayName(table)}`,
    transactional: true,
    lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
    lockTarget: ref,
  };
  // Foreign keys sort before the keys they may reference.
  return { key: `${c.kind === 'foreign' ? 0 : 1}:${objectKey(table)}.${c.name}`, steps: [step] };
}
