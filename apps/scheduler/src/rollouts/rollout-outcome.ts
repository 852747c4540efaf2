import { RolloutState, TenantRolloutState, type Rollout } from '@fleetshift/contracts';
import { finishStats, listRolloutTenants, type Queryable } from '@fleetshift/control-store';

/** "tenant t1: UNREACHABLE: cannot connect …" for the first few failed tenants, for halt reasons. */
async function failureExamples(db: Queryable, rolloutId: string): Promise<string> {
  const failed = await listRolloutTenants(db, rolloutId, [TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED], 3);
  return failed.map((t) => `tenant ${t.tenantId}: ${t.errorCode ? `${t.errorCode}: ` : ''}${t.error}`).join('; ');
}

/**
 * The failure policy: a halt reason once failed tenants reach max_failed_tenants, or failed / finished
 * exceeds max_failure_ratio; undefined while within the policy.
 */
export async function failurePolicyBreach(db: Queryable, rollout: Rollout): Promise<string | undefined> {
  const policy = rollout.failurePolicy;
  if (!policy) return undefined;
  const stats = await finishStats(db, rollout.id);
  if (stats.failed === 0) return undefined;
  let breach: string | undefined;
  if (policy.maxFailedTenants > 0 && stats.failed >= policy.maxFailedTenants) {
    breach = `${stats.failed} tenant(s) failed, reaching the failure policy's limit of ${policy.maxFailedTenants}`;
  } else if (policy.maxFailureRatio > 0 && stats.finished > 0 && stats.failed / stats.finished > policy.maxFailureRatio) {
    breach = `${stats.failed} of ${stats.finished} finished tenants failed (${((100 * stats.failed) / stats.finished).toFixed(1)}%), above the failure policy's ratio of ${(100 * policy.maxFailureRatio).toFixed(1)}%`;
  }
  if (!breach) return undefined;
  return `halted: ${breach} — ${await failureExamples(db, rollout.id)}. Fix the cause, then RetryFailed, ResumeRollout or CancelRollout.`;
}

/** A halt reason when the canary batch finished with failed tenants. */
export async function canaryBreach(db: Queryable, rollout: Rollout, batchNumber: number): Promise<string | undefined> {
  if (!rollout.canary || batchNumber !== 1) return undefined;
  const failed = (await listRolloutTenants(db, rollout.id, [TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED], 10_000)).length;
  if (failed === 0) return undefined;
  return `halted: the canary batch (batch 1) had ${failed} failed tenant(s) — ${await failureExamples(db, rollout.id)}. ` +
    'No other batch was started. Fix the cause, then RetryFailed, ResumeRollout or CancelRollout.';
}

/** SUCCEEDED or FAILED once every tenant is final; undefined while some are still open. */
export async function completion(db: Queryable, rollout: Rollout): Promise<{ state: RolloutState; reason: string } | undefined> {
  const stats = await finishStats(db, rollout.id);
  if (stats.open > 0) return undefined;
  if (stats.failed === 0) return { state: RolloutState.ROLLOUT_STATE_SUCCEEDED, reason: '' };
  return {
    state: RolloutState.ROLLOUT_STATE_FAILED,
    reason: `${stats.failed} tenant(s) failed — ${await failureExamples(db, rollout.id)}. RetryFailed queues them again.`,
  };
}
