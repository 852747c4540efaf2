import { objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { sameConstraintShape } from '../support/constraint-definition.js';
import { foreignKeysToRebuild } from '../support/foreign-key-dependencies.js';
import { validateStep } from '../support/validate-step.js';

/**
 * A constraint the tenant has as NOT VALID and the target wants validated: VALIDATE CONSTRAINT, alone in
 * its transaction, reads the table under SHARE UPDATE EXCLUSIVE (foreign keys: ROW SHARE on the
 * referenced table) — reads and writes continue.
 */
export const validateConstraint: ChangeKind = {
  name: 'validate-constraint',
  order: {
    // Isolated (a transaction of its own): after the views' transaction.
    after: ['create-view'],
  },
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
