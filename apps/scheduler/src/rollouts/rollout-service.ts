import { validatedService } from '@fleetshift/telemetry/request-fields';
import { rolloutServiceValidators } from '../request-validation.js';
import type { RolloutServiceServer } from '@fleetshift/contracts';
import { getRollout, listRollouts, listRolloutTenants } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { decodePageToken, NotFoundError, pageOf, pageSizeOf, pageSizes, unaryHandler } from '@fleetshift/telemetry';
import { createRollout } from './create-rollout.js';
import { cancelRollout, pauseRollout, resumeRollout, retryFailed } from './rollout-actions.js';
import { viewRollout } from './rollout-view.js';
import { watchRolloutHandler } from './watch-rollout.js';

/** `engine.kick` publishes now on the leader; on a follower it does nothing and the leader's next tick does it. */
export function rolloutService(ctx: SchedulerContext, engine: { kick(rolloutId: string): Promise<void> }): RolloutServiceServer {
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
    listRollouts: unaryHandler('ListRollouts', log, async (request) => {
      const filter = { blueprint: request.blueprint, states: request.states };
      const after = decodePageToken('ListRollouts', filter, request.pageToken, ['n', 's']);
      const size = pageSizeOf(request);
      const rows = await listRollouts(ctx.pool, { ...filter, limit: size + 1, after: after && { createdMicros: after[0] as number, id: after[1] as string } });
      const page = pageOf(rows, size, 'ListRollouts', filter, (row) => [row.pageKey.createdMicros, row.pageKey.id]);
      return { rollouts: page.items.map(({ pageKey: _, ...rollout }) => rollout), nextPageToken: page.nextPageToken };
    }),
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
      if (!(await getRollout(ctx.pool, request.rolloutId, { summary: false }))) throw new NotFoundError(`rollout ${request.rolloutId} does not exist`);
      const filter = { rolloutId: request.rolloutId, states: request.states };
      const after = decodePageToken('ListRolloutTenants', filter, request.pageToken, ['s']);
      const size = pageSizeOf(request, pageSizes.max);
      const rows = await listRolloutTenants(ctx.pool, request.rolloutId, request.states, size + 1, (after?.[0] as string | undefined) ?? '');
      const page = pageOf(rows, size, 'ListRolloutTenants', filter, (row) => [row.tenantId]);
      return { tenants: page.items, nextPageToken: page.nextPageToken };
    }),
    watchRollout: watchRolloutHandler(ctx),
  }, rolloutServiceValidators());
}
