import { LockLevel } from '@fleetshift/contracts';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

/** ENABLE/DISABLE and FORCE/NO FORCE ROW LEVEL SECURITY, after the policies exist (AUTHZ_UPDATE). */
export const rowSecurity: ChangeKind = {
  name: 'row-security',
  order: {
    // Enabled once the policies exist (before, it would hide every row).
    after: ['add-table', 'create-policy'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toTables) {
      const from = ctx.fromTables.get(key);
      const clauses: string[] = [];
      if ((from?.rowSecurity ?? false) !== to.rowSecurity) clauses.push(`${to.rowSecurity ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
      if ((from?.forceRowSecurity ?? false) !== to.forceRowSecurity) clauses.push(`${to.forceRowSecurity ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`);
      if (!clauses.length) continue;
      const ref = ctx.ref(to);
      items.push({
        key,
        steps: [
          {
            sql: `ALTER TABLE ${ref} ${clauses.join(', ')}`,
            description: `${clauses.join(', ').toLowerCase()} on ${displayName(to)}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
            lockTarget: ref,
            hazards: from ? [hazard(HazardCode.AUTHZ_UPDATE, `row-level security of ${displayName(to)} changes`)] : [],
          },
        ],
      });
    }
    return items;
  },
};
