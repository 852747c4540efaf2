import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/**
 * OWNED BY of a sequence (serial columns): set once the column exists, cleared when the target has none.
 * The ownedBy text is printed by introspection ready to follow OWNED BY.
 */
export const sequenceOwnership: ChangeKind = {
  name: 'sequence-ownership',
  order: {
    // OWNED BY names a column that must exist.
    after: ['add-sequence', 'add-table', 'add-column'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, s] of ctx.toSequences) {
      const from = ctx.fromSequences.get(key);
      if ((from?.ownedBy ?? undefined) === s.ownedBy) continue;
      if (!from && !s.ownedBy) continue;
      const ref = quoteQualified(s.schema, s.name);
      items.push({
        key,
        steps: [
          {
            sql: `ALTER SEQUENCE ${ref} OWNED BY ${s.ownedBy ?? 'NONE'}`,
            description: `Sequence ${displayName(s)} owned by ${s.ownedBy ?? 'nothing'}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_NONE,
            lockTarget: ref,
          },
        ],
      });
    }
    return items;
  },
};
