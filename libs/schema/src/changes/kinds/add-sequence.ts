import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { sequenceOptions } from '../support/sequence-options.js';

/**
 * A sequence new in the target (CREATE SEQUENCE with every option), or an existing one whose options
 * differ (ALTER SEQUENCE with the changed options; START WITH only affects a later RESTART, the current
 * value is kept). Ownership (OWNED BY) is set by sequence-ownership once the column exists.
 */
export const addSequence: ChangeKind = {
  name: 'add-sequence',
  order: {
    after: ['create-schema'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, s] of ctx.toSequences) {
      const from = ctx.fromSequences.get(key);
      const options = sequenceOptions(s, from);
      if (from && options.length === 0) continue;
      const ref = quoteQualified(s.schema, s.name);
      items.push({
        key,
        steps: [
          {
            sql: `${from ? 'ALTER' : 'CREATE'} SEQUENCE ${ref} ${options.join(' ')}`,
            description: `${from ? 'Alter' : 'Create'} sequence ${displayName(s)}`,
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
