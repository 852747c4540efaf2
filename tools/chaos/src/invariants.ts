import pg from 'pg';
import { TenantRolloutState, type RolloutTenant } from '@fleetshift/contracts';
import { fingerprint, introspect } from '@fleetshift/schema';
import { databaseUrl } from '@fleetshift/testing';
import type { ChaosTenant } from './chaos-fleet.js';

/** What a tenant's own database says: its ledger rows for the target version and its catalog's fingerprint. */
export interface TenantSide {
  tenant: ChaosTenant;
  /** `fleetshift.applied_versions` rows at the target version (rollout ids). */
  targetRows: string[];
  /** Fingerprint of the live catalog (introspected now), or why it could not be read. */
  fingerprint?: string;
  error?: string;
}

export const invariantNames = ['exactly-once', 'not-half-migrated', 'terminal-in-bound', 'control-agrees'] as const;
export type InvariantName = (typeof invariantNames)[number];

export interface InvariantResult {
  name: InvariantName;
  ok: boolean;
  /** The first few violations, each naming the tenant. */
  violations: string[];
}

export interface FleetExpectation {
  sourceFingerprint: string;
  targetFingerprint: string;
  targetVersion: number;
}

/**
 * Reads every tenant's side over `connections` sessions at once; a session serves the tenants of one
 * database (schema isolation: one database, the tenants split between the sessions).
 */
export async function readTenantSides(serverUrl: string, tenants: ChaosTenant[], targetVersion: number, connections = 4): Promise<TenantSide[]> {
  const sides: TenantSide[] = [];
  let next = 0;
  const worker = async () => {
    let client: pg.Client | undefined;
    let database: string | undefined;
    try {
      while (next < tenants.length) {
        const tenant = tenants[next++];
        if (database !== tenant.database) {
          await client?.end().catch(() => undefined);
          client = new pg.Client({ connectionString: databaseUrl(serverUrl, tenant.database), application_name: 'fleetshift-chaos-check' });
          database = tenant.database;
          try {
            await client.connect();
          } catch (error) {
            sides.push({ tenant, targetRows: [], error: `cannot connect: ${(error as Error).message}` });
            client = undefined;
            database = undefined;
            continue;
          }
        }
        sides.push(await readTenantSide(client!, tenant, targetVersion));
      }
    } finally {
      await client?.end().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return sides.sort((a, b) => a.tenant.id.localeCompare(b.tenant.id));
}

async function readTenantSide(client: pg.Client, tenant: ChaosTenant, targetVersion: number): Promise<TenantSide> {
  try {
    const { rows } = await client.query<{ rollout_id: string }>(
      'SELECT rollout_id FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = $2',
      [tenant.schema, targetVersion],
    );
    const catalog = await introspect(client, { schema: tenant.schema || undefined });
    return { tenant, targetRows: rows.map((row) => row.rollout_id), fingerprint: fingerprint(catalog) };
  } catch (error) {
    return { tenant, targetRows: [], error: (error as Error).message };
  }
}

const succeeded = new Set([TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED]);

/**
 * The invariants, judged from the tenants' side:
 * - exactly-once: a tenant at the target has exactly one ledger row for the target version (of this
 *   rollout); one not at the target has none and the control store says FAILED with a reason;
 * - not-half-migrated: every catalog is exactly the source or the target state;
 * - terminal-in-bound: the rollout reached SUCCEEDED or FAILED within the bound;
 * - control-agrees: the control store's state of each tenant (ListRolloutTenants) is what the fleet shows.
 */
export function judgeInvariants(
  sides: TenantSide[],
  expectation: FleetExpectation,
  rolloutId: string,
  control: RolloutTenant[] | undefined,
  terminal: { reached: boolean; detail: string },
): InvariantResult[] {
  const exactlyOnce: string[] = [];
  const halfMigrated: string[] = [];
  const disagreements: string[] = [];
  const controlById = new Map((control ?? []).map((t) => [t.tenantId, t]));
  if (!control) disagreements.push('ListRolloutTenants could not be read');
  for (const side of sides) {
    const id = side.tenant.id;
    if (side.error) {
      halfMigrated.push(`${id}: unreadable (${side.error})`);
      continue;
    }
    const atTarget = side.fingerprint === expectation.targetFingerprint;
    const atSource = side.fingerprint === expectation.sourceFingerprint;
    if (!atTarget && !atSource) halfMigrated.push(`${id}: catalog ${side.fingerprint!.slice(0, 12)} is neither source nor target`);
    const entry = controlById.get(id);
    if (atTarget) {
      const ofRollout = side.targetRows.filter((r) => r === rolloutId).length;
      if (side.targetRows.length !== 1 || ofRollout !== 1) exactlyOnce.push(`${id}: at the target with ${side.targetRows.length} ledger row(s) [${side.targetRows.join(', ')}]`);
    } else {
      if (side.targetRows.length > 0) exactlyOnce.push(`${id}: ${side.targetRows.length} ledger row(s) for the target but the catalog is not at it`);
      if (control && !(entry?.state === TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED && entry.error)) {
        exactlyOnce.push(`${id}: not at the target and not FAILED with a reason (control: ${entry ? TenantRolloutState[entry.state] : 'absent'})`);
      }
    }
    if (control) {
      if (!entry) disagreements.push(`${id}: absent from ListRolloutTenants`);
      else if (atTarget && !succeeded.has(entry.state)) disagreements.push(`${id}: at the target, control says ${TenantRolloutState[entry.state]}`);
      else if (!atTarget && entry.state !== TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED) disagreements.push(`${id}: not at the target, control says ${TenantRolloutState[entry.state]}`);
    }
  }
  const result = (name: InvariantName, violations: string[]): InvariantResult => ({ name, ok: violations.length === 0, violations: violations.slice(0, 5).concat(violations.length > 5 ? [`… ${violations.length - 5} more`] : []) });
  return [
    result('exactly-once', exactlyOnce),
    result('not-half-migrated', halfMigrated),
    result('terminal-in-bound', terminal.reached ? [] : [terminal.detail]),
    result('control-agrees', disagreements),
  ];
}
