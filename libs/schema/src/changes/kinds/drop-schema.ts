import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind } from '../change.js';

/** A schema gone from the target: DROP SCHEMA (without CASCADE — its objects were dropped before it). */
export const dropSchema: ChangeKind = {
  name: 'drop-schema',
  order: {
    // Without CASCADE: what it held goes first.
    after: ['drop-table', 'drop-sequence', 'drop-enum', 'drop-extension', 'drop-function:after-dependents'],
  },
  plan(ctx) {
    const want = new Set(ctx.to.schemas);
    return [...ctx.from.schemas].sort().filter((s) => !want.has(s)).map((s): ChangeItem => ({
      key: s,
      steps: [{ sql: `DROP SCHEMA ${quoteIdent(s)}`, description: `Drop schema ${s}`, transactional: true, lock: LockLevel.LOCK_LEVEL_NONE, lockTarget: quoteIdent(s) }],
    }));
  },
};
