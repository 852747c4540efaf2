import { validatedService } from '@fleetshift/telemetry/request-fields';
import { rolloutServiceValidators } from '../request-validation.js';
import type { RolloutServiceServer } from '@fleetshift/contracts';
import { getRollout, listRollouts, listRolloutTenants } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { NotFoundError, unaryHandler } from '@fleetshift/telemetry';
import { createRollout } from './create-rollout.js';
import { cancelRollout, pauseRollout, resumeRollout, retryFailed } from './rollout-actions.js';
import type { RolloutEngine } from './rollout-engine.js';
import { viewRollout } from './rollout-view.js';
import { watchRolloutHandler } from './watch-rollout.js';

export function rolloutService(ctx: SchedulerContext, engine: RolloutEngine): RolloutServiceServer {
  const log = ctx.logger;
  const afterAction = async (rolloutId: string) => {
    await engine.kick(rolloutId);
    return { rollout: await viewRollout(ctx, rolloutId) };
  };
  return validatedService<RolloutServiceServer>({
    createRollout: unaryHandler('CreateRollout', log, async (request) => {
      const created = await createRollout(ctx, request);
      return afterAction(created.id);
    }),
    getRollout: unaryHandler('GetRollout', log, async (request) => ({ rollout: await viewRollout(ctx, request.rolloutId) })),
    listRollouts: unaryHandler('ListRollouts', log, async (request) => ({
      rollouts: await listRollouts(ctx.pool, { blueprint: request.blueprint, states: request.states, limit: request.limit }),
    })),
    pauseRollout: unaryHandler('PauseRollout', log, async (request) => {
      await pauseRollout(ctx, request.rolloutId);
      return { rollout: await viewRollout(ctx, request.rolloutId) };
    }),
    resumeRollout: unaryHandler('ResumeRollout', log, async (request) => {
      await resumeRollout(ctx, request.rolloutId);
      return afterAction(request.rolloutId);
    }),
    cancelRollout: unaryHandler('CancelRollout', log, async (request) => {
      await cancelRollout(ctx, request.rolloutId);
      return { rollout: await viewRollout(ctx, request.rolloutId) };
    }),
    retryFailed: unaryHandler('RetryFailed', log, async (request) => {
      const retried = await retryFailed(ctx, request.rolloutId);
      return { ...(await afterAction(request.rolloutId)), retried };
    }),
    listRolloutTenants: unaryHandler('ListRolloutTenants', log, async (request) => {
      if (!(await getRollout(ctx.pool, request.rolloutId))) throw new NotFoundError(`rollout ${request.rolloutId} does not exist`);
      return { tenants: await listRolloutTenants(ctx.pool, request.rolloutId, request.states, request.limit || 10_000) };
    }),
    watchRollout: watchRolloutHandler(ctx),
  }, rolloutServiceValidators());
}
