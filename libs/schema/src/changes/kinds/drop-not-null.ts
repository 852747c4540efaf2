import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/** A NOT NULL column of an existing table becomes nullable: DROP NOT NULL is a catalog update. */
export const dropNotNull: ChangeKind = {
  name: 'drop-not-null',
  order: {
    // A primary key keeps its columns NOT NULL: a dropped one goes first.
    after: ['drop-constraint'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table: to, before: old, after: column } of ctx.keptColumns()) {
      if (!old.notNull || column.notNull) continue;
      const ref = ctx.ref(to);
      items.push({
        key: `${objectKey(to)}.${column.name}`,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ALTER COLUMN ${quoteIdent(column.name)} DROP NOT NULL`,
            description: `Make ${displayName(to)}.${column.name} nullable`,
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
