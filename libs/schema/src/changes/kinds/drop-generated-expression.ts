import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/**
 * A stored generated column becomes a plain column (its values stay): ALTER COLUMN … DROP EXPRESSION,
 * a catalog update (PostgreSQL 13+).
 */
export const dropGeneratedExpression: ChangeKind = {
  name: 'drop-generated-expression',
  order: {
    // Views over the column are dropped first (re-created later).
    after: ['drop-view'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table: to, before: old, after: column } of ctx.keptColumns()) {
      if (!old.generated || column.generated !== undefined) continue;
      const ref = ctx.ref(to);
      items.push({
        key: `${objectKey(to)}.${column.name}`,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ALTER COLUMN ${quoteIdent(column.name)} DROP EXPRESSION`,
            description: `Make generated column ${displayName(to)}.${column.name} a plain column`,
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
