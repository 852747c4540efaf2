import { LockLevel } from '@fleetshift/contracts';
import type { Constraint, Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { withoutNotValid } from '../support/constraint-definition.js';
import { constraintsToAdd } from '../support/constraint-targets.js';
import { partitionConstraintFor, partitionsOf } from '../support/partition-tree.js';
import { validateStep } from '../support/validate-step.js';

/**
 * A foreign key new in the target.
 * - On an existing table: `ADD CONSTRAINT … NOT VALID` — SHARE ROW EXCLUSIVE on both tables for a catalog
 *   update only — then `VALIDATE CONSTRAINT` in its own transaction (SHARE UPDATE EXCLUSIVE on the table,
 *   ROW SHARE on the referenced one: writes continue).
 * - On an existing partitioned table PostgreSQL 15 refuses `NOT VALID` ("not yet supported on partitioned
 *   tables"), and a validated ADD there would check every partition under SHARE ROW EXCLUSIVE (writes
 *   block). Instead each leaf partition gets the recipe above under the name the target gives its clone
 *   (a sub-partitioned one gets this recipe one level down), then the parent's plain `ADD CONSTRAINT`
 *   finds a validated, identical foreign key on every partition and attaches it without reading a row:
 *   SHARE ROW EXCLUSIVE on the parent and its partitions, and a brief ACCESS EXCLUSIVE on the referenced
 *   table (PostgreSQL drops the partitions' own action triggers there), all for a catalog update.
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
      items.push({ key: `${objectKey(table)}.${constraint.name}`, steps: foreignKeySteps(ctx, table, constraint, existing) });
    }
    return items;
  },
};

function foreignKeySteps(ctx: ChangeContext, table: Table, constraint: Constraint, existing: boolean): StepDraft[] {
  if (existing && table.partitionKey) return partitionedSteps(ctx, table, constraint);
  const ref = ctx.ref(table);
  const notValid = existing || !constraint.validated;
  return [
    {
      sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${withoutNotValid(constraint.definition)}${notValid ? ' NOT VALID' : ''}`,
      description: existing
        ? `Add foreign key ${constraint.name} to ${displayName(table)} without validating existing rows`
        : `Add foreign key ${constraint.name} to new table ${displayName(table)}`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_SHARE_ROW_EXCLUSIVE,
      lockTarget: ref,
    },
    ...(existing && constraint.validated ? [validateStep(ctx, table, constraint)] : []),
  ];
}

/** Every partition's foreign key first (NOT VALID, then VALIDATE), then the parent's, which attaches them. */
function partitionedSteps(ctx: ChangeContext, table: Table, constraint: Constraint): StepDraft[] {
  const out: StepDraft[] = [];
  for (const child of partitionsOf(ctx, table)) {
    const target = partitionConstraintFor(table, constraint, child);
    const before = ctx.fromTables.get(objectKey(child));
    const old = before?.constraints.find((c) => c.name === target.name);
    if (old && !old.inherited && old.validated && withoutNotValid(old.definition) === withoutNotValid(target.definition)) continue;
    if (old && !old.inherited && !old.validated && withoutNotValid(old.definition) === withoutNotValid(target.definition)) {
      out.push(validateStep(ctx, child, target));
      continue;
    }
    out.push(...foreignKeySteps(ctx, child, target, before !== undefined));
  }
  const ref = ctx.ref(table);
  out.push({
    sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${withoutNotValid(constraint.definition)}`,
    description:
      `Add foreign key ${constraint.name} to partitioned table ${displayName(table)}: it attaches the partitions' validated foreign keys ` +
      `(SHARE ROW EXCLUSIVE on the parent and its partitions, ACCESS EXCLUSIVE on ${constraint.references ?? 'the referenced table'} to drop the partitions' own action triggers; catalog only, no row is read)`,
    transactional: true,
    lock: LockLevel.LOCK_LEVEL_SHARE_ROW_EXCLUSIVE,
    lockTarget: ref,
  });
  return out;
}
