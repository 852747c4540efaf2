import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '../sql/quote.js';
import { displayName } from './catalog-index.js';
import type { ChangeItem, ChangeKind } from './change.js';
import { Phase } from './phases.js';

/**
 * A function new or changed: its definition is pg_get_functiondef's CREATE OR REPLACE statement, run as
 * is, before the tables, defaults and triggers that use it. A changed signature is another function (a
 * new one is created, the old one dropped by drop-function).
 */
export const createFunction: ChangeKind = {
  name: 'create-function',
  phase: Phase.function,
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, f] of ctx.toFunctions) {
      const old = ctx.fromFunctions.get(key);
      if (old && old.definition === f.definition) continue;
      items.push({
        key,
        steps: [
          {
            sql: f.definition.trim().replace(/;\s*$/, ''),
            description: `${old ? 'Replace' : 'Create'} function ${displayName(f)}(${f.identityArgs})`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_NONE,
            lockTarget: quoteQualified(f.schema, f.name),
          },
        ],
      });
    }
    return items;
  },
};

/** A function gone from the target: DROP FUNCTION name(args), after the triggers and views using it. */
export const dropFunction: ChangeKind = {
  name: 'drop-function',
  phase: Phase.dropFunction,
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, f] of ctx.fromFunctions) {
      if (ctx.toFunctions.has(key)) continue;
      const ref = quoteQualified(f.schema, f.name);
      items.push({
        key,
        steps: [
          {
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
