import { LockLevel } from '@fleetshift/contracts';
import type { Constraint, Index, Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { buildIndexSteps, dropIndexConcurrently } from '../support/index-builds.js';
import { constraintsToAdd } from '../support/constraint-targets.js';

/**
 * A unique or primary-key constraint new on an existing table. ADD CONSTRAINT … UNIQUE would build the
 * index under a write-blocking lock; instead the unique index is built CONCURRENTLY (see add-index), then
 * `ADD CONSTRAINT … UNIQUE USING INDEX` attaches it — a catalog update under a brief ACCESS EXCLUSIVE.
 * A primary key's columns are already NOT NULL by then (set-not-null runs earlier), so USING INDEX does
 * not scan. A plain index of the same name and definition is adopted as it is.
 */
export const addUniqueConstraint: ChangeKind = {
  name: 'add-unique-constraint',
  order: {
    // A primary key's columns are NOT NULL first, so USING INDEX does not scan; a changed constraint was
    // dropped first; the index is built CONCURRENTLY, after the views' transaction.
    after: ['drop-constraint', 'set-not-null', 'add-column:not-null', 'create-view', 'add-column', 'alter-column-type'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table, constraint } of constraintsToAdd(ctx, ['unique', 'primary'])) {
      items.push({ key: `${objectKey(table)}.${constraint.name}`, steps: steps(ctx, table, constraint) });
    }
    return items;
  },
};

function steps(ctx: ChangeContext, table: Table, constraint: Constraint): StepDraft[] {
  const index = table.indexes.find((i) => i.constraint === constraint.name);
  if (!index) throw new Error(`constraint ${constraint.name} on ${displayName(table)} has no index in the catalog`);
  const from = ctx.fromTables.get(objectKey(table))!;
  const existing = from.indexes.find((i) => i.name === index.name);
  const out: StepDraft[] = [];
  const reusable = existing && !existing.constraint && existing.valid && existing.definition === index.definition;
  if (!reusable) {
    if (existing && !existing.constraint) out.push(dropIndexConcurrently(ctx, table, existing.name, `Drop index ${existing.name} that the constraint's index replaces`));
    out.push(...buildIndexSteps(ctx, table, index));
  }
  out.push(attachStep(ctx, table, constraint, index));
  return out;
}

function attachStep(ctx: ChangeContext, table: Table, constraint: Constraint, index: Index): StepDraft {
  const ref = ctx.ref(table);
  const kind = constraint.kind === 'primary' ? 'PRIMARY KEY' : 'UNIQUE';
  const deferral = /\bDEFERRABLE\b/.test(constraint.definition)
    ? /INITIALLY DEFERRED/.test(constraint.definition)
      ? ' DEFERRABLE INITIALLY DEFERRED'
      : ' DEFERRABLE'
    : '';
  return {
    sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${kind} USING INDEX ${quoteIdent(index.name)}${deferral}`,
    description: `Attach ${kind.toLowerCase()} constraint ${constraint.name} to ${displayName(table)} using its index`,
    transactional: true,
    lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
    lockTarget: ref,
  };
}
