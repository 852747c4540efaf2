import cliProgress from 'cli-progress';
import { RolloutState, ThrottleLevel, type Rollout, type WatchRolloutResponse } from '@fleetshift/contracts';

/** A WatchRollout server stream as grpc-js returns it (only what the progress bar needs). */
export interface RolloutUpdateStream {
  on(event: 'data', listener: (update: WatchRolloutResponse) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  cancel(): void;
}

export interface RolloutProgressOptions {
  /** Where the bar is drawn (default process.stderr, so stdout keeps the data and the summary). */
  stream?: NodeJS.WriteStream;
  /** Label in front of the bar (default "rollout"). */
  label?: string;
}

const finalStates = new Set([
  RolloutState.ROLLOUT_STATE_SUCCEEDED,
  RolloutState.ROLLOUT_STATE_FAILED,
  RolloutState.ROLLOUT_STATE_HALTED,
  RolloutState.ROLLOUT_STATE_CANCELLED,
]);

/** True for SUCCEEDED, FAILED, HALTED and CANCELLED: WatchRollout sends nothing after these. */
export function isFinalRolloutState(state: RolloutState): boolean {
  return finalStates.has(state);
}

/**
 * Follows a rollout on its WatchRollout stream with a live progress bar (done/total, ok/failed/skipped,
 * rate, ETA, throttled clusters) and resolves with the rollout in its last state — the final state unless
 * the stream ended first. Rejects with the stream's error when it fails before a final state.
 */
export function followRolloutProgress(updates: RolloutUpdateStream, options: RolloutProgressOptions = {}): Promise<Rollout> {
  const stream = options.stream ?? process.stderr;
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${options.label ?? 'rollout'} |{bar}| {value}/{total} tenants | ok {ok} failed {failed} skipped {skipped} | {rate}/s | eta {eta_s}s | {throttle}`,
      hideCursor: true,
      stream,
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last: Rollout | undefined;
  return new Promise((resolve, reject) => {
    updates.on('data', (update: WatchRolloutResponse) => {
      const rollout = update.rollout;
      if (!rollout?.counts) return;
      last = rollout;
      const counts = rollout.counts;
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
        bar.setTotal(counts.total);
        bar.update(done, payload);
      }
      if (finalStates.has(rollout.state)) updates.cancel();
    });
    updates.on('error', (error: Error) => {
      bar.stop();
      if (last && finalStates.has(last.state)) resolve(last);
      else reject(error);
    });
    updates.on('end', () => {
      bar.stop();
      if (last) resolve(last);
      else reject(new Error('WatchRollout ended before any update'));
    });
  });
}

/**
 * Each throttled cluster with the signal that throttled it, and each paced cluster with its pace and why
 * ("local pace 6 (cpu 52% near target 60%: held)"); "clusters OK" when there is neither.
 */
export function describeThrottles(rollout: Rollout): string {
  const throttled = rollout.throttles.filter((t) => t.level !== ThrottleLevel.THROTTLE_LEVEL_OK);
  const parts = [
    ...throttled.map((t) => `${t.clusterId} THROTTLED (${t.signal} ${t.value.toFixed(0)})`),
    ...rollout.paces.map((p) => `${p.clusterId} pace ${p.pace}${p.reason ? ` (${p.reason})` : ''}`),
  ];
  return parts.length === 0 ? 'clusters OK' : parts.join(', ');
}
