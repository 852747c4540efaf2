import type pg from 'pg';
import type { Plan } from '@fleetshift/contracts';
import { planUnits } from '@fleetshift/plan-runner';
import { catalogStamp, fingerprint, introspect, withoutBuildLeftovers } from '@fleetshift/schema';
import { readAppliedVersions, readCatalogStamp, readProgress, recordCatalogStamp } from '@fleetshift/tenant-ledger';

/** What the executor should do with a tenant, decided before any step runs. */
export type PreCheck =
  /**
   * Run the plan from unit `startUnit` (0, or where an interrupted run of this rollout stopped).
   * `leftovers`: INVALID indexes of an interrupted concurrent build of the first unit, left out of the
   * comparison because that unit's cleanup_sql drops them before it builds again.
   */
  | { kind: 'run'; startUnit: number; liveFingerprint: string; leftovers?: string[] }
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
 * resume after its last unit; the expected from-fingerprint once the INVALID leftovers of an interrupted
 * concurrent build of the first unit are left out → run (that unit's cleanup drops them first); anything
 * else → drift.
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
  const leftovers = await leftoversOfFirstUnit(client, input.tenantSchema, plan, expected);
  if (leftovers.length > 0) return { kind: 'run', startUnit: 0, liveFingerprint: live, leftovers };
  return { kind: 'drift', liveFingerprint: live, expectedFingerprint: expected };
}

/**
 * The INVALID indexes that make the live schema differ from the expected from-state, when they are the
 * leftovers of the plan's first unit: a CREATE INDEX CONCURRENTLY interrupted there (cancelled, lock
 * timeout budget spent, executor killed before its progress could be recorded) leaves its index behind,
 * INVALID, so the live fingerprint is neither the from- nor the to-fingerprint. [] otherwise.
 *
 * Why running anyway is safe: the schema equals the expected from-state once those indexes are left out,
 * so nothing else drifted; an INVALID index is never used by a query (it only costs writes until it is
 * dropped); and the run starts with that very unit, whose cleanup_sql (DROP INDEX CONCURRENTLY IF
 * EXISTS, matched by its exact text) the plan runner runs before the first attempt where a run starts —
 * so the leftover is dropped, then built again, and the tenant ends at the to-fingerprint. Only the first
 * unit counts: a leftover of a later step means an earlier unit ran without its progress being recorded
 * (another rollout's partial run), which is drift. A full introspection, only on this path (rare).
 */
async function leftoversOfFirstUnit(client: pg.ClientBase, tenantSchema: string, plan: Plan, expected: string): Promise<string[]> {
  const first = planUnits(plan.steps)[0];
  if (!first || first.transactional || !first.steps[0]!.cleanupSql) return [];
  const live = await introspect(client, tenantSchema ? { schema: tenantSchema } : {});
  const { catalog, leftovers } = withoutBuildLeftovers(live, first.steps);
  return leftovers.length > 0 && fingerprint(catalog) === expected ? leftovers : [];
}
