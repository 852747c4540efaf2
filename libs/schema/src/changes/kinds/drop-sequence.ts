import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

/**
 * A sequence gone from the target: DROP SEQUENCE (its current value is lost: DELETES_DATA). A sequence
 * owned by a column that this plan drops (or whose table it drops) goes with it and is skipped.
 */
export const dropSequence: ChangeKind = {
  name: 'drop-sequence',
  order: {
    // What calls nextval() on it goes first: its table, its column, the default replacing it, a function.
    after: ['drop-table', 'drop-column', 'set-default', 'alter-identity', 'drop-function:after-dependents'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, s] of ctx.fromSequences) {
      if (ctx.toSequences.has(key)) continue;
      if (s.ownedBy && ownerGoes(ctx, s.ownedBy)) continue;
      const ref = quoteQualified(s.schema, s.name);
      items.push({
        key,
        steps: [
          {
            sql: `DROP SEQUENCE ${ref}`,
            description: `Drop sequence ${displayName(s)}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_NONE,
            lockTarget: ref,
            hazards: [hazard(HazardCode.DELETES_DATA, `sequence ${displayName(s)} and its current value are dropped`)],
          },
        ],
      });
    }
    return items;
  },
};

/** Whether the owning column ("table.column" as the scope prints it) is dropped by the plan. */
function ownerGoes(ctx: ChangeContext, ownedBy: string): boolean {
  const dot = ownedBy.lastIndexOf('.');
  const relation = ownedBy.slice(0, dot);
  const column = ownedBy.slice(dot + 1).replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
  const key = ctx.tableByRelationName(relation.replaceAll('"', ''));
  if (!key) return true;
  const to = ctx.toTables.get(key);
  return !to || !to.columns.some((c) => c.name === column);
}
