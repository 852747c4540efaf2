import cliProgress from 'cli-progress';
import {
  callMetadata,
  RolloutState,
  ThrottleLevel,
  type Rollout,
  type schedulerClients,
  type WatchRolloutResponse,
} from '@fleetshift/contracts';

type Clients = ReturnType<typeof schedulerClients>;

const finalStates = new Set([
  RolloutState.ROLLOUT_STATE_SUCCEEDED,
  RolloutState.ROLLOUT_STATE_FAILED,
  RolloutState.ROLLOUT_STATE_HALTED,
  RolloutState.ROLLOUT_STATE_CANCELLED,
]);

/**
 * Follows a rollout on the WatchRollout stream with a live progress bar (done/total, rate, ETA,
 * throttled clusters) and resolves with the rollout in its final state.
 */
export function watchRollout(clients: Clients, rolloutId: string, token?: string): Promise<Rollout> {
  const bar = new cliProgress.SingleBar(
    {
      format: '  rollout |{bar}| {value}/{total} tenants | ok {ok} failed {failed} skipped {skipped} | {rate}/s | eta {eta_s}s | {throttle}',
      hideCursor: true,
      noTTYOutput: !process.stdout.isTTY,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last: Rollout | undefined;
  return new Promise((resolve, reject) => {
    const stream = clients.rollouts.watchRollout({ rolloutId }, callMetadata(token));
    stream.on('data', (update: WatchRolloutResponse) => {
      const rollout = update.rollout!;
      last = rollout;
      const counts = rollout.counts!;
      const done = counts.succeeded + counts.failed + counts.skipped + counts.cancelled;
      const payload = {
        ok: counts.succeeded,
        failed: counts.failed,
        skipped: counts.skipped,
        rate: update.tenantsPerSecond.toFixed(1),
        eta_s: Math.round(update.etaSeconds),
        throttle: describeThrottles(rollout),
      };
      if (!started) {
        bar.start(counts.total, done, payload);
        started = true;
      } else {
        bar.update(done, payload);
      }
      if (finalStates.has(rollout.state)) stream.cancel();
    });
    stream.on('error', (error: { code?: number }) => {
      bar.stop();
      if (last && finalStates.has(last.state)) resolve(last);
      else reject(error);
    });
    stream.on('end', () => {
      bar.stop();
      if (last) resolve(last);
      else reject(new Error(`WatchRollout ended before any update for ${rolloutId}`));
    });
  });
}

function describeThrottles(rollout: Rollout): string {
  const throttled = rollout.throttles.filter((t) => t.level !== ThrottleLevel.THROTTLE_LEVEL_OK);
  if (throttled.length === 0) return 'clusters OK';
  return throttled.map((t) => `${t.clusterId} THROTTLED (${t.signal} ${t.value.toFixed(0)})`).join(', ');
}
