import type pg from 'pg';
import type { Plan } from '@fleetshift/contracts';
import { catalogStamp, fingerprint, introspect } from '@fleetshift/schema';
import { readAppliedVersions, readCatalogStamp, readProgress, recordCatalogStamp } from '@fleetshift/tenant-ledger';

/** What the executor should do with a tenant, decided before any step runs. */
export type PreCheck =
  /** Run the plan from unit `startUnit` (0, or where an interrupted run of this rollout stopped). */
  | { kind: 'run'; startUnit: number; liveFingerprint: string }
  /** This rollout already applied the target (a redelivered batch): report it again, run nothing. */
  | { kind: 'already-applied'; fingerprint: string; executorId: string }
  /** The tenant is already at the target state: SKIPPED, a no-op. */
  | { kind: 'at-target'; fingerprint: string; detail: string; recorded: boolean }
  /** Neither where the plan starts nor where it ends: FAILED with DRIFT (the scheduler decides). */
  | { kind: 'drift'; liveFingerprint: string; expectedFingerprint: string };

export interface PreCheckInput {
  tenantSchema: string;
  rolloutId: string;
  targetVersion: number;
  plan: Plan;
  expectedFingerprint: string;
}

/** Fingerprint of the live tenant: the database, or one schema of it (schema isolation). */
export async function liveFingerprint(client: pg.ClientBase, tenantSchema: string): Promise<string> {
  return fingerprint(await introspect(client, tenantSchema ? { schema: tenantSchema } : {}));
}

/**
 * The live fingerprint, cheaply when the catalog did not change: one query computes the catalog stamp,
 * and when it equals the stamp recorded with a fingerprint (by the last version applied, or the last full
 * introspection) that fingerprint is the live one. Otherwise a full introspection, whose fingerprint is
 * recorded with the stamp when nothing changed the catalog meanwhile.
 */
export async function stampedFingerprint(client: pg.ClientBase, tenantSchema: string): Promise<string> {
  const scope = tenantSchema ? { schema: tenantSchema } : {};
  const stamp = await catalogStamp(client, scope);
  const known = await readCatalogStamp(client, tenantSchema);
  if (stamp && known?.stamp === stamp) return known.fingerprint;
  const live = await liveFingerprint(client, tenantSchema);
  if (stamp && stamp === (await catalogStamp(client, scope))) await recordCatalogStamp(client, tenantSchema, { stamp, fingerprint: live });
  return live;
}

/**
 * The drift check. First the tenant's own record (fleetshift.applied_versions): a row of this rollout
 * means it is done (never applied twice); a row for the target version with the target fingerprint
 * means it is at the target. Then the live fingerprint: the plan's to-fingerprint → at target; the
 * expected from-fingerprint → run; a recorded partial run of this rollout towards the same target →
 * resume after its last unit; anything else → drift.
 */
export async function preCheck(client: pg.ClientBase, input: PreCheckInput): Promise<PreCheck> {
  const { plan } = input;
  const rows = await readAppliedVersions(client, input.tenantSchema, input.targetVersion);
  const mine = rows.find((r) => r.rolloutId === input.rolloutId);
  if (mine) return { kind: 'already-applied', fingerprint: mine.fingerprint, executorId: mine.executorId };
  const recorded = rows.find((r) => r.fingerprint === plan.toFingerprint);
  if (recorded) {
    return { kind: 'at-target', fingerprint: recorded.fingerprint, detail: `version ${recorded.version} recorded by rollout ${recorded.rolloutId}`, recorded: true };
  }
  const live = await stampedFingerprint(client, input.tenantSchema);
  if (live === plan.toFingerprint) {
    return { kind: 'at-target', fingerprint: live, detail: 'live schema already at the target fingerprint', recorded: false };
  }
  const expected = input.expectedFingerprint || plan.fromFingerprint;
  // Where the plan starts: run it whole (also when a partial run of another plan left progress behind —
  // a plan made from the live state starts here).
  if (live === expected) return { kind: 'run', startUnit: 0, liveFingerprint: live };
  const unitsDone = await readProgress(client, input.tenantSchema, input.rolloutId, plan.toFingerprint);
  if (unitsDone > 0) return { kind: 'run', startUnit: unitsDone, liveFingerprint: live };
  return { kind: 'drift', liveFingerprint: live, expectedFingerprint: expected };
}
