import { TenantRolloutState, type TenantResult } from '@fleetshift/contracts';
import {
  appendTenantEvent,
  getCluster,
  getRollout,
  getRolloutTenantRow,
  getSchemaVersion,
  getTenant,
  insertBatches,
  insertPlans,
  nextBatchNumber,
  recordTenantOutcome,
  replanRolloutTenant,
  setPlanCount,
  withTransaction,
} from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { planLive, type RolloutPlans } from './plan-rollout.js';

/**
 * A drifted tenant under the REPLAN policy: planned from its live state and queued again in a batch of
 * its own. When it cannot be planned (unreachable, or the new plan needs a hazard not allowed), it fails
 * with the drift error and why.
 */
export async function replanDriftedTenant(ctx: SchedulerContext, result: TenantResult): Promise<void> {
  const { rolloutId, tenantId } = result;
  const rollout = (await getRollout(ctx.pool, rolloutId))!;
  const tenant = (await getTenant(ctx.pool, tenantId))!;
  const cluster = (await getCluster(ctx.pool, tenant.clusterId))!;
  const target = (await getSchemaVersion(ctx.pool, rollout.blueprint, rollout.version))!;
  const row = (await getRolloutTenantRow(ctx.pool, rolloutId, tenantId))!;
  const planned: RolloutPlans = { plans: [], starts: [], refused: [] };
  const allow = [...new Set([...target.allowedHazards, ...rollout.allowedHazards])];
  let failure: string | undefined;
  let start: Awaited<ReturnType<typeof planLive>> | undefined;
  try {
    start = await planLive(ctx, target, tenant, cluster, allow, planned, row.replans + 2);
    if (start.failure) failure = start.failure.error;
    else if (planned.refused.length) failure = `its new plan needs hazards not allowed: ${planned.refused.map((h) => h.code).join(', ')}`;
  } catch (error) {
    failure = (error as Error).message;
  }

  await withTransaction(ctx.pool, async (client) => {
    if (failure || !start) {
      await recordTenantOutcome(
        client,
        rolloutId,
        tenantId,
        { state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, error: `${result.error}; re-planning failed: ${failure}`, errorCode: 'DRIFT', executorId: result.executorId, stepsApplied: 0, finishedAt: new Date() },
        [TenantRolloutState.TENANT_ROLLOUT_STATE_QUEUED, TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING],
      );
      return;
    }
    const batchNumber = await nextBatchNumber(client, rolloutId);
    await insertPlans(client, rolloutId, planned.plans);
    await setPlanCount(client, rolloutId);
    await insertBatches(client, rolloutId, [{ batchNumber, clusterId: tenant.clusterId }]);
    await replanRolloutTenant(client, rolloutId, tenantId, { planKey: start.planKey, fromFingerprint: start.fromFingerprint, batchNumber });
    await appendTenantEvent(client, { tenantId, rolloutId, kind: 'replanned', fromVersion: tenant.version, toVersion: rollout.version, fingerprint: start.fromFingerprint, batchNumber });
  });
  ctx.logger.info({ rolloutId, tenantId, failure }, failure ? 'drifted tenant could not be re-planned' : 'drifted tenant re-planned from its live state');
}
