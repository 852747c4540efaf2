import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

import { samePolicy } from '../support/policy-equality.js';

/** A row-level-security policy gone or changed on an existing table: DROP POLICY (AUTHZ_UPDATE). */
export const dropPolicy: ChangeKind = {
  name: 'drop-policy',
  // What must wait for the policy to be gone (create-policy, alter-column-type, drop-column …) declares it.
  order: {},
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const want = new Map(to.policies.map((p) => [p.name, p]));
      for (const p of from.policies) {
        const target = want.get(p.name);
        if (target && samePolicy(p, target)) continue;
        const ref = ctx.ref(to);
        items.push({
          key: `${objectKey(to)}.${p.name}`,
          steps: [
            {
              sql: `DROP POLICY ${quoteIdent(p.name)} ON ${ref}`,
              description: `Drop policy ${p.name} on ${displayName(to)}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
              hazards: [hazard(HazardCode.AUTHZ_UPDATE, `policy ${p.name} on ${displayName(to)} is ${target ? 'replaced' : 'removed'}`)],
            },
          ],
        });
      }
    }
    return items;
  },
};
