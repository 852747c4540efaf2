import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind } from '../change.js';

/** A schema new in the target (database scope): CREATE SCHEMA, before anything is created in it. */
export const createSchema: ChangeKind = {
  name: 'create-schema',
  // First of the creations: what is created in a schema declares it.
  order: {},
  plan(ctx) {
    const have = new Set(ctx.from.schemas);
    return [...ctx.to.schemas].sort().filter((s) => !have.has(s)).map((s): ChangeItem => ({
      key: s,
      steps: [{ sql: `CREATE SCHEMA ${quoteIdent(s)}`, description: `Create schema ${s}`, transactional: true, lock: LockLevel.LOCK_LEVEL_NONE, lockTarget: quoteIdent(s) }],
    }));
  },
};
