import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent, quoteLiteral } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind } from '../change.js';
import { displayName } from '../support/catalog-index.js';

/**
 * Storage parameters of a table (`CREATE TABLE … WITH (fillfactor = 70)` in the desired schema) that differ
 * from the tenant's: `ALTER TABLE … SET (…), RESET (…)` in one statement. A catalog update: nothing is
 * rewritten or scanned (a new fillfactor applies to pages written from then on). It takes SHARE UPDATE
 * EXCLUSIVE — reads and writes go on — for every table parameter but user_catalog_table, which takes ACCESS
 * EXCLUSIVE, still for a catalog update only, under the short lock_timeout: no hazard either way. A new
 * table gets its parameters in the transaction that creates it.
 */
export const setStorageParameters: ChangeKind = {
  name: 'set-storage-parameters',
  order: {
    // The table exists.
    after: ['add-table'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toTables) {
      const before = parameters(ctx.fromTables.get(key)?.storageParameters);
      const after = parameters(to.storageParameters);
      const set = [...after].filter(([name, value]) => before.get(name) !== value);
      const reset = [...before.keys()].filter((name) => !after.has(name));
      if (!set.length && !reset.length) continue;
      const ref = ctx.ref(to);
      const clauses = [
        ...(set.length ? [`SET (${set.map(([name, value]) => `${quoteIdent(name)} = ${quoteLiteral(value)}`).join(', ')})`] : []),
        ...(reset.length ? [`RESET (${reset.map(quoteIdent).join(', ')})`] : []),
      ];
      const changed = [...set.map(([name, value]) => `${name}=${value}`), ...reset.map((name) => `${name} reset`)];
      const exclusive = [...set.map(([name]) => name), ...reset].includes('user_catalog_table');
      items.push({
        key,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ${clauses.join(', ')}`,
            description: `Set storage parameters of ${displayName(to)}: ${changed.join(', ')}`,
            transactional: true,
            lock: exclusive ? LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE : LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
            lockTarget: ref,
          },
        ],
      });
    }
    return items;
  },
};

/** "fillfactor=70" entries as name → value, in name order (as the catalog lists them). */
function parameters(options: readonly string[] | undefined): Map<string, string> {
  return new Map(
    (options ?? []).map((option): [string, string] => {
      const at = option.indexOf('=');
      return at < 0 ? [option, ''] : [option.slice(0, at), option.slice(at + 1)];
    }),
  );
}
