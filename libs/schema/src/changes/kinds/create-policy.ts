import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

import { samePolicy } from '../support/policy-equality.js';

/** A row-level-security policy new or changed: CREATE POLICY (AUTHZ_UPDATE). */
export const createPolicy: ChangeKind = {
  name: 'create-policy',
  order: {
    // Its table and what its expressions call exist; a changed policy was dropped first.
    after: ['add-table', 'create-function', 'drop-policy', 'add-enum-value'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toTables) {
      const have = new Map((ctx.fromTables.get(key)?.policies ?? []).map((p) => [p.name, p]));
      for (const p of to.policies) {
        const old = have.get(p.name);
        if (old && samePolicy(old, p)) continue;
        const ref = ctx.ref(to);
        const roles = p.roles.map((r) => (r === 'public' ? 'PUBLIC' : quoteIdent(r))).join(', ');
        let sql = `CREATE POLICY ${quoteIdent(p.name)} ON ${ref} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${p.command} TO ${roles}`;
        if (p.using !== undefined) sql += ` USING (${p.using})`;
        if (p.withCheck !== undefined) sql += ` WITH CHECK (${p.withCheck})`;
        items.push({
          key: `${key}.${p.name}`,
          steps: [
            {
              sql,
              description: `Create policy ${p.name} on ${displayName(to)}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
              hazards: ctx.isNewTable(key)
                ? []
                : [hazard(HazardCode.AUTHZ_UPDATE, `policy ${p.name} on ${displayName(to)} changes which rows are visible or writable`)],
            },
          ],
        });
      }
    }
    return items;
  },
};
