import { LockLevel } from '@fleetshift/contracts';
import type { Policy } from '../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeItem, ChangeKind } from './change.js';
import { HazardCode, hazard } from './hazards.js';
import { Phase } from './phases.js';

function samePolicy(a: Policy, b: Policy): boolean {
  return (
    a.command === b.command &&
    a.permissive === b.permissive &&
    a.using === b.using &&
    a.withCheck === b.withCheck &&
    a.roles.join('\u0000') === b.roles.join('\u0000')
  );
}

/** A row-level-security policy gone or changed on an existing table: DROP POLICY (AUTHZ_UPDATE). */
export const dropPolicy: ChangeKind = {
  name: 'drop-policy',
  phase: Phase.dropPolicy,
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

/** A row-level-security policy new or changed: CREATE POLICY (AUTHZ_UPDATE). */
export const createPolicy: ChangeKind = {
  name: 'create-policy',
  phase: Phase.policy,
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

/** ENABLE/DISABLE and FORCE/NO FORCE ROW LEVEL SECURITY, after the policies exist (AUTHZ_UPDATE). */
export const rowSecurity: ChangeKind = {
  name: 'row-security',
  phase: Phase.rowSecurity,
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
