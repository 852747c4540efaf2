import { RolloutState, type Rollout } from '@fleetshift/contracts';
import { getRollout, listBatches, type Queryable } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { NotFoundError } from '@fleetshift/telemetry';
import { currentPaces, currentThrottles } from './throttles.js';

const S = RolloutState;
const live = new Set([S.ROLLOUT_STATE_PENDING, S.ROLLOUT_STATE_RUNNING, S.ROLLOUT_STATE_PAUSED, S.ROLLOUT_STATE_HALTED]);

/** A rollout as GetRollout shows it: stored state and counts, plus the throttles and paces of its clusters now. */
export async function viewRollout(ctx: SchedulerContext, rolloutId: string, db: Queryable = ctx.pool): Promise<Rollout> {
  const rollout = await getRollout(db, rolloutId);
  if (!rollout) throw new NotFoundError(`rollout ${rolloutId} does not exist`);
  if (live.has(rollout.state)) {
    const clusters = (await listBatches(db, rolloutId)).map((b) => b.clusterId);
    rollout.throttles = await currentThrottles(ctx, clusters);
    rollout.paces = await currentPaces(ctx, clusters);
  }
  updateTenantGauge(ctx, rollout);
  return rollout;
}

/** Sets fleetshift_rollout_tenants{rollout_id,state} from a rollout's counts. */
export function updateTenantGauge(ctx: SchedulerContext, rollout: Rollout): void {
  const gauge = ctx.metrics?.rolloutTenants;
  if (!gauge || !rollout.counts) return;
  const { total: _total, ...byState } = rollout.counts;
  for (const [state, value] of Object.entries(byState)) gauge.set({ rollout_id: rollout.id, state }, value);
}
