import { RolloutState, TenantRolloutState, type Rollout } from '@fleetshift/contracts';
import {
  appendTenantEvents,
  getCluster,
  getSchemaVersion,
  getTenants,
  insertPlans,
  setPlanCount,
  setTenantPlan,
  failedTenantsByBatch,
  getRollout,
  moveRolloutTenants,
  reopenBatch,
  resetTenantsForRetry,
  setRolloutState,
  unplannedTenantIds,
  withTransaction,
  type Queryable,
} from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { NotFoundError, PreconditionError } from '@fleetshift/telemetry';
import { planLive, type RolloutPlans } from './plan-rollout.js';
import { relayRolloutControl } from './rollout-control.js';

const R = RolloutState;
const T = TenantRolloutState;

async function existing(db: Queryable, rolloutId: string): Promise<Rollout> {
  const rollout = await getRollout(db, rolloutId, { forUpdate: true });
  if (!rollout) throw new NotFoundError(`rollout ${rolloutId} does not exist`);
  return rollout;
}

function refuse(rollout: Rollout, action: string): never {
  throw new PreconditionError(`rollout ${rollout.id} is ${R[rollout.state]}: it cannot be ${action}`);
}

/** PAUSED: no new batch is published and executors start no new tenant; tenants in hand finish. */
export async function pauseRollout(ctx: SchedulerContext, rolloutId: string): Promise<void> {
  await withTransaction(ctx.pool, async (client) => {
    const rollout = await existing(client, rolloutId);
    if (rollout.state === R.ROLLOUT_STATE_PAUSED) return;
    if (rollout.state !== R.ROLLOUT_STATE_RUNNING) refuse(rollout, 'paused');
    await setRolloutState(client, rolloutId, R.ROLLOUT_STATE_PAUSED, [R.ROLLOUT_STATE_RUNNING]);
  });
  await relayRolloutControl(ctx, rolloutId);
  ctx.logger.info({ rolloutId }, 'rollout paused');
}

/**
 * RUNNING again, from PAUSED or HALTED. Tenants that executors cancelled while the rollout was halted
 * are queued again (their batches get a new attempt), so resuming continues where it stopped.
 */
export async function resumeRollout(ctx: SchedulerContext, rolloutId: string): Promise<void> {
  await withTransaction(ctx.pool, async (client) => {
    const rollout = await existing(client, rolloutId);
    if (rollout.state === R.ROLLOUT_STATE_RUNNING) return;
    if (rollout.state !== R.ROLLOUT_STATE_PAUSED && rollout.state !== R.ROLLOUT_STATE_HALTED) refuse(rollout, 'resumed');
    const requeued = await moveRolloutTenants(client, rolloutId, [T.TENANT_ROLLOUT_STATE_CANCELLED], T.TENANT_ROLLOUT_STATE_PENDING);
    for (const batch of new Set(requeued.map((t) => t.batchNumber))) await reopenBatch(client, rolloutId, batch);
    await setRolloutState(client, rolloutId, R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED], '');
  });
  await relayRolloutControl(ctx, rolloutId);
  ctx.logger.info({ rolloutId }, 'rollout resumed');
}

/**
 * CANCELLED: tenants not started (pending, queued) become CANCELLED; tenants running finish their plan
 * (each plan group is a transaction), so every tenant ends at the old or the new version. Executors also
 * finish a tenant a run of this rollout left part-way (CRITICAL cancel, killed executor), and report
 * CANCELLED one whose run was rolled back (apply-result accepts that from RUNNING).
 */
export async function cancelRollout(ctx: SchedulerContext, rolloutId: string): Promise<void> {
  await withTransaction(ctx.pool, async (client) => {
    const rollout = await existing(client, rolloutId);
    if (rollout.state === R.ROLLOUT_STATE_CANCELLED) return;
    if (rollout.state === R.ROLLOUT_STATE_SUCCEEDED || rollout.state === R.ROLLOUT_STATE_FAILED) refuse(rollout, 'cancelled');
    const cancelled = await moveRolloutTenants(
      client,
      rolloutId,
      [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED],
      T.TENANT_ROLLOUT_STATE_CANCELLED,
      { message: 'rollout cancelled before the tenant started', code: 'CANCELLED' },
    );
    await appendTenantEvents(client, rolloutId, 'cancelled', cancelled.map((t) => t.tenantId), { toVersion: rollout.version, error: 'rollout cancelled' });
    await setRolloutState(client, rolloutId, R.ROLLOUT_STATE_CANCELLED, [], 'cancelled by the operator');
  });
  await relayRolloutControl(ctx, rolloutId);
  ctx.logger.info({ rolloutId }, 'rollout cancelled');
}

/**
 * Queues the FAILED tenants again, and only those: each batch holding some is published again with the
 * next attempt number. Tenants that never got a plan (unreachable when the rollout was created) are
 * planned from their live state first; one still unreachable stays FAILED. The rollout becomes RUNNING
 * (from HALTED, FAILED, PAUSED or RUNNING).
 */
export async function retryFailed(ctx: SchedulerContext, rolloutId: string): Promise<number> {
  const before = await getRollout(ctx.pool, rolloutId);
  if (!before) throw new NotFoundError(`rollout ${rolloutId} does not exist`);
  if (before.state === R.ROLLOUT_STATE_CANCELLED || before.state === R.ROLLOUT_STATE_SUCCEEDED) refuse(before, 'retried');
  const planned = await planUnplanned(ctx, before);
  const retried = await withTransaction(ctx.pool, async (client) => {
    const rollout = await existing(client, rolloutId);
    if (rollout.state === R.ROLLOUT_STATE_CANCELLED || rollout.state === R.ROLLOUT_STATE_SUCCEEDED) refuse(rollout, 'retried');
    await insertPlans(client, rolloutId, planned.plans);
    await setPlanCount(client, rolloutId);
    for (const start of planned.starts) {
      await setTenantPlan(client, rolloutId, start.tenant.id, { planKey: start.planKey, fromFingerprint: start.fromFingerprint });
    }
    const failed = await failedTenantsByBatch(client, rolloutId);
    const unplanned = await unplannedTenantIds(client, rolloutId);
    let count = 0;
    for (const [batchNumber, ids] of failed) {
      const retry = ids.filter((id) => !unplanned.has(id));
      if (!retry.length) continue;
      await resetTenantsForRetry(client, rolloutId, retry);
      await reopenBatch(client, rolloutId, batchNumber);
      await appendTenantEvents(client, rolloutId, 'retried', retry, { toVersion: rollout.version, batchNumber });
      count += retry.length;
    }
    if (count && rollout.state !== R.ROLLOUT_STATE_RUNNING) {
      await setRolloutState(client, rolloutId, R.ROLLOUT_STATE_RUNNING, [], '').catch((error: { constraint?: string }) => {
        if (error.constraint !== 'rollouts_one_active') throw error;
        throw new PreconditionError(`rollout ${rolloutId} cannot run again: blueprint ${rollout.blueprint} has another active rollout`);
      });
    }
    return count;
  });
  if (retried) await relayRolloutControl(ctx, rolloutId);
  ctx.logger.info({ rolloutId, retried }, 'failed tenants queued again');
  return retried;
}

/** Live plans for the failed tenants that never got one; those still unreachable are left out. */
async function planUnplanned(ctx: SchedulerContext, rollout: Rollout): Promise<RolloutPlans> {
  const planned: RolloutPlans = { plans: [], starts: [], refused: [] };
  const ids = [...(await unplannedTenantIds(ctx.pool, rollout.id))];
  if (!ids.length) return planned;
  const target = (await getSchemaVersion(ctx.pool, rollout.blueprint, rollout.version))!;
  const allow = [...new Set([...target.allowedHazards, ...rollout.allowedHazards])];
  const tenants = await getTenants(ctx.pool, ids);
  for (const tenant of tenants.values()) {
    const cluster = (await getCluster(ctx.pool, tenant.clusterId))!;
    const refusedBefore = planned.refused.length;
    const start = await planLive(ctx, target, tenant, cluster, allow, planned, 1);
    if (start.failure || planned.refused.length > refusedBefore || !start.planKey) {
      ctx.logger.info({ rolloutId: rollout.id, tenantId: tenant.id, reason: start.failure?.error ?? 'hazards refused' }, 'failed tenant still cannot be planned');
      continue;
    }
    planned.starts.push(start);
  }
  planned.plans = planned.plans.filter((plan) => planned.starts.some((start) => start.planKey === plan.planKey));
  return planned;
}
