import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { Phase } from '../support/phases.js';

/**
 * A function gone from the target: DROP FUNCTION name(args), after the triggers and views using it. When
 * the target has a function of the same name (its parameters were renamed — identity arguments carry the
 * names, but PostgreSQL sees the same function and CREATE OR REPLACE refuses the rename — or an overload
 * replaces it), the old one is dropped first, before the new one is created.
 */
export const dropFunction: ChangeKind = {
  name: 'drop-function',
  phase: Phase.dropFunction,
  plan(ctx) {
    const items: ChangeItem[] = [];
    const targetNames = new Set([...ctx.toFunctions.values()].map((f) => `${f.schema}.${f.name}`));
    for (const [key, f] of ctx.fromFunctions) {
      if (ctx.toFunctions.has(key)) continue;
      const ref = quoteQualified(f.schema, f.name);
      items.push({
        key,
        steps: [
          {
            ...(targetNames.has(`${f.schema}.${f.name}`) ? { phase: Phase.dropFunctionEarly } : {}),
            sql: `DROP FUNCTION ${ref}(${f.identityArgs})`,
            description: `Drop function ${displayName(f)}(${f.identityArgs})`,
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
