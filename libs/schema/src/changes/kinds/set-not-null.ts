import { objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { notNullRecipe } from '../support/not-null-recipe.js';

/**
 * A column of an existing table becomes NOT NULL. A plain SET NOT NULL scans the whole table under
 * ACCESS EXCLUSIVE. Instead (../support/not-null-recipe.ts):
 *   1. ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID   — ACCESS EXCLUSIVE for a catalog update only;
 *   2. VALIDATE CONSTRAINT, in a transaction of its own    — SHARE UPDATE EXCLUSIVE: reads and writes go on;
 *   3. SET NOT NULL                                         — PostgreSQL 12+ sees the validated check and
 *                                                             skips the scan (metadata only);
 *   4. DROP the helper check (same transaction as 3).
 */
export const setNotNull: ChangeKind = {
  name: 'set-not-null',
  order: {
    // Its VALIDATE runs in a transaction of its own: after the views' transaction.
    after: ['create-view'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table: to, before, after: column } of ctx.keptColumns()) {
      if (before.notNull || !column.notNull) continue;
      if (column.identity && !before.identity) continue; // alter-identity runs the recipe first
      items.push({ key: `${objectKey(to)}.${column.name}`, steps: notNullRecipe(ctx, to, column.name) });
    }
    return items;
  },
};
