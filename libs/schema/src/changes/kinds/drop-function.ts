import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/**
 * A function gone from the target: DROP FUNCTION name(args), once nothing uses it (stage after-dependents).
 * When the target has a function of the same name (its parameters were renamed — identity arguments carry
 * the names, but PostgreSQL sees the same function and CREATE OR REPLACE refuses the rename — or an
 * overload replaces it), the old one is dropped early instead, before the new one is created.
 */
export const dropFunction: ChangeKind = {
  name: 'drop-function',
  order: {
    // A function replaced by one of the same name (CREATE OR REPLACE cannot) is dropped before create-function
    // creates the new one; views, triggers and policies that go and use it go first.
    after: ['drop-view', 'drop-trigger', 'drop-policy'],
  },
  stages: {
    // A function gone for good is dropped once nothing uses it: defaults, columns, tables, constraints,
    // triggers and policies have their target shape, and functions replacing its callers exist (a
    // BEGIN ATOMIC body depends on what it calls). Row security: not a PostgreSQL dependency; it keeps
    // these drops after the whole table section, where they have always run.
    'after-dependents': {
      after: [
        'set-default', 'alter-column-type', 'drop-column', 'drop-table', 'drop-constraint', 'create-trigger', 'create-policy',
        'row-security', 'create-function:late',
      ],
    },
  },
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
            ...(targetNames.has(`${f.schema}.${f.name}`) ? {} : { stage: 'after-dependents' }),
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
