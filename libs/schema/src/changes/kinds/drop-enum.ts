import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/** An enum type gone from the target: DROP TYPE, after the columns that used it changed or went. */
export const dropEnum: ChangeKind = {
  name: 'drop-enum',
  order: {
    // Columns and function signatures using the type go first.
    after: ['drop-table', 'drop-column', 'alter-column-type', 'drop-function:after-dependents'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, e] of ctx.fromEnums) {
      if (ctx.toEnums.has(key)) continue;
      const ref = quoteQualified(e.schema, e.name);
      items.push({
        key,
        steps: [
          { sql: `DROP TYPE ${ref}`, description: `Drop enum type ${displayName(e)}`, transactional: true, lock: LockLevel.LOCK_LEVEL_NONE, lockTarget: ref },
        ],
      });
    }
    return items;
  },
};
