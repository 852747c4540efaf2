import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/**
 * The default of an existing column changes, appears or goes: SET DEFAULT / DROP DEFAULT only touch the
 * catalog (rows are not rewritten; the default applies to future inserts). When the column's type
 * changed too, alter-column-type dropped the old default already.
 */
export const setDefault: ChangeKind = {
  name: 'set-default',
  order: {
    // What the default calls exists; DROP IDENTITY (alter-identity) comes before a column gets a default.
    after: ['add-sequence', 'create-function', 'add-enum-value', 'alter-identity'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table: to, before: old, after: column } of ctx.keptColumns()) {
      if (column.generated || column.identity) continue;
      if (old.default === column.default) continue;
      const typeChanged = old.type !== column.type || old.collation !== column.collation;
      if (column.default === undefined && typeChanged) continue; // dropped with the type change
      const ref = ctx.ref(to);
      const col = quoteIdent(column.name);
      const name = `${displayName(to)}.${column.name}`;
      items.push({
        key: `${objectKey(to)}.${column.name}`,
        steps: [
          {
            sql:
              column.default === undefined
                ? `ALTER TABLE ${ref} ALTER COLUMN ${col} DROP DEFAULT`
                : `ALTER TABLE ${ref} ALTER COLUMN ${col} SET DEFAULT ${column.default}`,
            description: column.default === undefined ? `Drop the default of ${name}` : `Set the default of ${name}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
            lockTarget: ref,
          },
        ],
      });
    }
    return items;
  },
};
