import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';

/** A trigger gone from an existing table (or changed from or into a constraint trigger): DROP TRIGGER, a brief catalog update. */
export const dropTrigger: ChangeKind = {
  name: 'drop-trigger',
  // What must wait for the trigger to be gone (create-trigger, drop-column, drop-function) declares it.
  order: {},
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const want = new Map(to.triggers.map((t) => [t.name, t]));
      for (const t of from.triggers) {
        if (t.inherited) continue;
        const target = want.get(t.name);
        // A changed trigger that is, or becomes, a constraint trigger cannot be replaced in place
        // (CREATE OR REPLACE CONSTRAINT TRIGGER does not exist): dropped here, created by create-trigger.
        const constraintTrigger = (d: string) => /^CREATE CONSTRAINT TRIGGER/.test(d);
        if (target && !(target.definition !== t.definition && (constraintTrigger(t.definition) || constraintTrigger(target.definition)))) continue;
        const ref = ctx.ref(to);
        items.push({
          key: `${objectKey(to)}.${t.name}`,
          steps: [
            {
              sql: `DROP TRIGGER ${quoteIdent(t.name)} ON ${ref}`,
              description: `Drop trigger ${t.name} on ${displayName(to)}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
            },
          ],
        });
      }
    }
    return items;
  },
};
