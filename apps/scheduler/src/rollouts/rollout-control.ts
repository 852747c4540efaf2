import { RolloutControl, type RolloutState } from '@fleetshift/contracts';
import { encodeMessage } from '@fleetshift/bus';
import type { SchedulerContext } from '../context.js';

/**
 * Writes a rollout's control state to the rollouts KV bucket; executors read it before each tenant
 * (only RUNNING lets a tenant start). Written on every state change.
 */
export async function writeRolloutControl(ctx: SchedulerContext, rolloutId: string, state: RolloutState): Promise<void> {
  await ctx.bus.rollouts.put(rolloutId, encodeMessage(RolloutControl, { rolloutId, state, updatedAt: new Date() }));
}
