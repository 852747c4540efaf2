import { RolloutState, TenantRolloutState, type Rollout } from '@fleetshift/contracts';
import {
  appendTenantEvents,
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
import { NotFoundError, PreconditionError } from '../grpc/request-errors.js';
import { writeRolloutControl } from './rollout-control.js';

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
  await writeRolloutControl(ctx, rolloutId, R.ROLLOUT_STATE_PAUSED);
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
  await writeRolloutControl(ctx, rolloutId, R.ROLLOUT_STATE_RUNNING);
  ctx.logger.info({ rolloutId }, 'rollout resumed');
}

/**
 * CANCELLED: tenants not started (pending, queued) become CANCELLED; tenants running finish their plan
 * (each plan group is a transaction), so every tenant ends at the old or the new version.
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
  await writeRolloutControl(ctx, rolloutId, R.ROLLOUT_STATE_CANCELLED);
  ctx.logger.info({ rolloutId }, 'rollout cancelled');
}

/**
 * Queues the FAILED tenants again, and only those: each batch holding some is published again with the
 * next attempt number. The rollout becomes RUNNING (from HALTED, FAILED, PAUSED or RUNNING).
 */
export async function retryFailed(ctx: SchedulerContext, rolloutId: string): Promise<number> {
  const retried = await withTransaction(ctx.pool, async (client) => {
    const rollout = await existing(client, rolloutId);
    if (rollout.state === R.ROLLOUT_STATE_CANCELLED || rollout.state === R.ROLLOUT_STATE_SUCCEEDED) refuse(rollout, 'retried');
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
  if (retried) await writeRolloutControl(ctx, rolloutId, R.ROLLOUT_STATE_RUNNING);
  ctx.logger.info({ rolloutId, retried }, 'failed tenants queued again');
  return retried;
}
