import type { Constraint, ConstraintKind, Table } from '../../catalog/model.js';
import type { ChangeContext } from '../change.js';
import { constraintMustBeDropped } from './constraint-definition.js';
import { foreignKeysToRebuild } from './foreign-key-dependencies.js';

/**
 * Constraints of the target that the plan must add, of the given kinds: on existing tables, those absent
 * from the tenant or dropped for a change (see drop-constraint); on new tables, foreign keys only (the
 * rest are inline in CREATE TABLE); plus foreign keys re-added after the key they reference was rebuilt. `existing` tells whether the table existed before the plan.
 */
export function constraintsToAdd(
  ctx: ChangeContext,
  kinds: ConstraintKind[],
): Array<{ table: Table; constraint: Constraint; existing: boolean }> {
  const out: Array<{ table: Table; constraint: Constraint; existing: boolean }> = [];
  const rebuilt = foreignKeysToRebuild(ctx);
  for (const [key, to] of ctx.toTables) {
    const from = ctx.fromTables.get(key);
    const before = new Map((from?.constraints ?? []).map((c) => [c.name, c]));
    for (const c of to.constraints) {
      if (c.inherited || !kinds.includes(c.kind)) continue;
      if (!from) {
        if (c.kind === 'foreign') out.push({ table: to, constraint: c, existing: false });
        continue;
      }
      const old = before.get(c.name);
      if (old && !constraintMustBeDropped(old, c) && !rebuilt.has(`${key}.${c.name}`)) continue;
      out.push({ table: to, constraint: c, existing: true });
    }
  }
  return out;
}
