import { LockLevel } from '@fleetshift/contracts';
import type { EnumType } from '../../catalog/model.js';
import { quoteLiteral, quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind, StepDraft } from '../change.js';

/**
 * New labels of an existing enum: ALTER TYPE … ADD VALUE IF NOT EXISTS … BEFORE/AFTER, placing each label
 * where the target has it. Runs outside a transaction: before PostgreSQL 12 it cannot run inside one at
 * all, and since 12 a label added in a transaction cannot be used until that transaction commits — so it
 * runs first, on its own, and every later step may use the label. PostgreSQL cannot remove or reorder
 * labels: such a target is handled by recreate-enum instead.
 *
 * IF NOT EXISTS makes the step idempotent: an executor killed after the label committed but before its
 * progress was recorded runs the step again on resume, and a plain ADD VALUE would then fail with 42710
 * (duplicate_object). It cannot hide drift: the drift check compared the whole schema before the run.
 */
export const addEnumValue: ChangeKind = {
  name: 'add-enum-value',
  order: {
    // ADD VALUE runs outside a transaction: ahead of the one that drops and re-creates views.
    // What names a new label runs after it (a label is usable once committed): those kinds declare it.
    before: ['drop-view'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toEnums) {
      const from = ctx.fromEnums.get(key);
      if (!from || sameValues(from.values, to.values) || ctx.recreatedEnums.has(key)) continue;
      const ref = quoteQualified(to.schema, to.name);
      const steps: StepDraft[] = [];
      const existing = new Set(from.values);
      to.values.forEach((value, i) => {
        if (existing.has(value)) return;
        const place = i > 0 ? `AFTER ${quoteLiteral(to.values[i - 1]!)}` : `BEFORE ${quoteLiteral(to.values[1]!)}`;
        steps.push({
          sql: `ALTER TYPE ${ref} ADD VALUE IF NOT EXISTS ${quoteLiteral(value)} ${place}`,
          description: `Add label ${value} to enum ${displayName(to)}`,
          transactional: false,
          lock: LockLevel.LOCK_LEVEL_NONE,
          lockTarget: ref,
        });
        existing.add(value);
      });
      items.push({ key, steps });
    }
    return items;
  },
};

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** True when `to` keeps every label of `from`, in the same relative order. */
export function enumChangeIsAdditive(from: EnumType, to: EnumType): boolean {
  const kept = to.values.filter((v) => from.values.includes(v));
  return sameValues(kept, from.values);
}
