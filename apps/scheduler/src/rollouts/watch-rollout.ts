import type * as grpc from '@grpc/grpc-js';
import { RolloutState, type WatchRolloutRequest, type WatchRolloutResponse } from '@fleetshift/contracts';
import { finishStats } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { rolloutDefaults } from '../defaults.js';
import { requestStatus as statusOf } from '@fleetshift/telemetry';
import { viewRollout } from './rollout-view.js';

const finalStates = new Set([RolloutState.ROLLOUT_STATE_SUCCEEDED, RolloutState.ROLLOUT_STATE_FAILED, RolloutState.ROLLOUT_STATE_CANCELLED]);

/** One progress report: the rollout with counts and throttles, the recent rate, and the ETA. */
export async function rolloutProgress(ctx: SchedulerContext, rolloutId: string): Promise<WatchRolloutResponse> {
  const rollout = await viewRollout(ctx, rolloutId);
  const stats = await finishStats(ctx.pool, rolloutId, rolloutDefaults.rateWindowSeconds);
  const rate = stats.recent / rolloutDefaults.rateWindowSeconds;
  return { rollout, tenantsPerSecond: rate, etaSeconds: rate > 0 && stats.open > 0 ? stats.open / rate : 0 };
}

/** Streams progress every watch interval until the rollout is SUCCEEDED, FAILED or CANCELLED (or the caller leaves). */
export function watchRolloutHandler(ctx: SchedulerContext): grpc.handleServerStreamingCall<WatchRolloutRequest, WatchRolloutResponse> {
  return (call) => {
    let open = true;
    call.on('cancelled', () => (open = false));
    const loop = async () => {
      while (open) {
        const progress = await rolloutProgress(ctx, call.request.rolloutId);
        call.write(progress);
        if (finalStates.has(progress.rollout!.state)) break;
        await new Promise((resolve) => setTimeout(resolve, rolloutDefaults.watchIntervalMs));
      }
      call.end();
    };
    loop().catch((error: unknown) => {
      const failure = statusOf(error);
      if (failure.internal) ctx.logger.error({ err: error, rolloutId: call.request.rolloutId }, 'WatchRollout failed');
      // emit('error') is how a grpc-js server stream ends with a status (destroy() left the caller waiting).
      call.emit('error', { code: failure.code, details: failure.details });
    });
  };
}
