import { LockLevel } from '@fleetshift/contracts';
import type { Constraint, Index, Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { buildIndexSteps, dropIndexConcurrently } from '../support/index-builds.js';
import { constraintsToAdd } from '../support/constraint-targets.js';
import { partitionConstraintFor, partitionsOf } from '../support/partition-tree.js';

/**
 * A unique or primary-key constraint new on an existing table. ADD CONSTRAINT … UNIQUE would build the
 * index under a write-blocking lock; instead the unique index is built CONCURRENTLY (see add-index), then
 * `ADD CONSTRAINT … UNIQUE USING INDEX` attaches it — a catalog update under a brief ACCESS EXCLUSIVE.
 * A primary key's columns are already NOT NULL by then (set-not-null runs earlier), so USING INDEX does
 * not scan. A plain index of the same name and definition is adopted as it is.
 *
 * On a partitioned table PostgreSQL refuses `USING INDEX`. Each leaf partition gets the recipe above
 * (its unique index built concurrently, then its own constraint `USING INDEX`); a sub-partitioned
 * partition gets this recipe one level down; then `ALTER TABLE parent ADD CONSTRAINT … PRIMARY KEY /
 * UNIQUE (…)` finds on every partition a matching index that backs a constraint and attaches it instead
 * of building one: ACCESS EXCLUSIVE on the parent and SHARE on each partition (and its index), for a
 * catalog update only — nothing is built or read.
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
  if (table.partitionKey) return partitionedSteps(ctx, table, constraint);
  const index = table.indexes.find((i) => i.constraint === constraint.name);
  if (!index) throw new Error(`constraint ${constraint.name} on ${displayName(table)} has no index in the catalog`);
  const from = ctx.fromTables.get(objectKey(table));
  const existing = from?.indexes.find((i) => i.name === index.name);
  const out: StepDraft[] = [];
  const reusable = existing && !existing.constraint && existing.valid && existing.definition === index.definition;
  if (!reusable) {
    if (existing && !existing.constraint) out.push(dropIndexConcurrently(ctx, table, existing.name, `Drop index ${existing.name} that the constraint's index replaces`));
    out.push(...buildIndexSteps(ctx, table, index));
  }
  out.push(attachStep(ctx, table, constraint, index));
  return out;
}

/** Every partition's constraint first (built online), then the parent's, which attaches them. */
function partitionedSteps(ctx: ChangeContext, table: Table, constraint: Constraint): StepDraft[] {
  const out: StepDraft[] = [];
  for (const child of partitionsOf(ctx, table)) {
    const target = partitionConstraintFor(table, constraint, child);
    const before = ctx.fromTables.get(objectKey(child))?.constraints.find((c) => c.name === target.name);
    if (before && !before.inherited && before.definition === target.definition) continue;
    out.push(...steps(ctx, child, target));
  }
  const ref = ctx.ref(table);
  const kind = constraint.kind === 'primary' ? 'primary key' : 'unique constraint';
  out.push({
    sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`,
    description:
      `Add ${kind} ${constraint.name} to partitioned table ${displayName(table)}: it attaches the partitions' constraint indexes built above ` +
      `(ACCESS EXCLUSIVE on the parent and SHARE on each partition, for a catalog update only; no index is built, no row is read)`,
    transactional: true,
    lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
    lockTarget: ref,
  });
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
