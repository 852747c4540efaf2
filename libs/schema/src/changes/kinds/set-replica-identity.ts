import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind } from '../change.js';
import { displayName } from '../support/catalog-index.js';

/**
 * A table's replica identity (what logical replication sends to identify an updated or deleted row) that
 * differs from the tenant's, new tables included: `ALTER TABLE … REPLICA IDENTITY DEFAULT | FULL | NOTHING
 * | USING INDEX idx`. A catalog update under ACCESS EXCLUSIVE (SHARE on the index for USING INDEX), under
 * the short lock_timeout: nothing is read, no hazard. It runs once the index it names exists (an index it
 * stops naming may be dropped before: PostgreSQL allows that).
 */
export const setReplicaIdentity: ChangeKind = {
  name: 'set-replica-identity',
  order: {
    // The table and the index it names exist (built concurrently: after the views' transaction).
    after: ['add-table', 'add-index', 'rename-index', 'add-unique-constraint', 'create-view'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toTables) {
      const from = ctx.fromTables.get(key);
      if ((from?.replicaIdentity ?? undefined) === to.replicaIdentity) continue;
      if (!from && to.replicaIdentity === undefined) continue;
      const ref = ctx.ref(to);
      const identity = to.replicaIdentity ?? 'default';
      const clause = identity.startsWith('index ') ? `USING INDEX ${quoteIdent(identity.slice('index '.length))}` : identity.toUpperCase();
      items.push({
        key,
        steps: [
          {
            sql: `ALTER TABLE ${ref} REPLICA IDENTITY ${clause}`,
            description: `Set the replica identity of ${displayName(to)} to ${identity} (ACCESS EXCLUSIVE, catalog only)`,
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
