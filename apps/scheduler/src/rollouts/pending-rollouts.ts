import { RolloutState } from '@fleetshift/contracts';
import { getRollout, setRolloutState, stalePendingRollouts, withTransaction } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';

export interface PendingRecovery {
  /** Complete rollouts (batches and tenants stored) moved to RUNNING: the pump publishes them. */
  resumed: string[];
  /** Rollouts whose creation stopped before its rows were stored: FAILED with the reason. */
  failed: string[];
}

export const interruptedCreationReason =
  'CreateRollout was interrupted before the rollout\'s batches and tenants were stored; nothing ran — create the rollout again';

/**
 * A rollout never stays PENDING: one still PENDING `graceMs` after its creation was left by a crash
 * between storing it and starting it (CreateRollout now does both in one transaction; an older
 * scheduler did not). Run by the leader at start and on every reaper pass, under the lock on each
 * rollout's row: a rollout stored whole becomes RUNNING and is published like any other (batch
 * message ids make a publication the crashed scheduler may already have made count once); one stored
 * without batches or tenants becomes FAILED with a reason, which frees its blueprint's active slot.
 */
export async function recoverPendingRollouts(ctx: SchedulerContext, graceMs: number): Promise<PendingRecovery> {
  const recovery: PendingRecovery = { resumed: [], failed: [] };
  for (const stale of await stalePendingRollouts(ctx.pool, graceMs)) {
    const outcome = await withTransaction(ctx.pool, async (client) => {
      const rollout = await getRollout(client, stale.id, { forUpdate: true });
      if (rollout?.state !== RolloutState.ROLLOUT_STATE_PENDING) return undefined;
      const complete = stale.batches > 0 && stale.tenants > 0;
      if (complete) await setRolloutState(client, stale.id, RolloutState.ROLLOUT_STATE_RUNNING, [RolloutState.ROLLOUT_STATE_PENDING]);
      else await setRolloutState(client, stale.id, RolloutState.ROLLOUT_STATE_FAILED, [RolloutState.ROLLOUT_STATE_PENDING], interruptedCreationReason);
      return complete ? 'resumed' : 'failed';
    });
    if (!outcome) continue;
    recovery[outcome].push(stale.id);
    ctx.logger.warn(
      { rolloutId: stale.id, createdAt: stale.createdAt, batches: stale.batches, tenants: stale.tenants, outcome },
      outcome === 'resumed' ? 'rollout left PENDING by an interrupted creation: running it' : 'rollout left PENDING by an interrupted creation: failed',
    );
  }
  return recovery;
}
