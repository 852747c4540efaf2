import { LockLevel } from '@fleetshift/contracts';
import { quoteLiteral, quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/** An enum type new in the target: CREATE TYPE … AS ENUM, before the tables that use it. */
export const addEnum: ChangeKind = {
  name: 'add-enum',
  order: {
    after: ['create-schema'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, e] of ctx.toEnums) {
      if (ctx.fromEnums.has(key)) continue;
      const ref = quoteQualified(e.schema, e.name);
      items.push({
        key,
        steps: [
          {
            sql: `CREATE TYPE ${ref} AS ENUM (${e.values.map(quoteLiteral).join(', ')})`,
            description: `Create enum type ${displayName(e)}`,
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
