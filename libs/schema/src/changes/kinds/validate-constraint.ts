import { LockLevel } from '@fleetshift/contracts';
import type { Constraint, Table } from '../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from './change.js';
import { sameConstraintShape } from './constraint-definition.js';
import { foreignKeysToRebuild } from './foreign-key-dependencies.js';
import { Phase } from './phases.js';

/**
 * A constraint the tenant has as NOT VALID and the target wants validated: VALIDATE CONSTRAINT, alone in
 * its transaction, reads the table under SHARE UPDATE EXCLUSIVE (foreign keys: ROW SHARE on the
 * referenced table) — reads and writes continue.
 */
export const validateConstraint: ChangeKind = {
  name: 'validate-constraint',
  phase: Phase.validateConstraint,
  plan(ctx) {
    const items: ChangeItem[] = [];
    const rebuilt = foreignKeysToRebuild(ctx);
    for (const [from, to] of ctx.keptTables()) {
      const before = new Map(from.constraints.map((c) => [c.name, c]));
      for (const c of to.constraints) {
        const old = before.get(c.name);
        if (!old || c.inherited || old.validated || !c.validated || !sameConstraintShape(old, c)) continue;
        if (rebuilt.has(`${objectKey(to)}.${c.name}`)) continue; // re-added and validated by add-foreign-key
        items.push({ key: `${objectKey(to)}.${c.name}`, steps: [validateStep(ctx, to, c)] });
      }
    }
    return items;
  },
};

export function validateStep(ctx: ChangeContext, table: Table, constraint: Pick<Constraint, 'name'>): StepDraft {
  const ref = ctx.ref(table);
  return {
    sql: `ALTER TABLE ${ref} VALIDATE CONSTRAINT ${quoteIdent(constraint.name)}`,
    description: `Validate constraint ${constraint.name} on ${displayName(table)} (reads the table; writes continue)`,
    transactional: true,
    isolated: true,
    lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
    lockTarget: ref,
    scansTable: true,
    long: true,
  };
}
