import { Rollout, RolloutState, type RolloutCounts, type WatchRolloutResponse } from '@fleetshift/contracts';

/** What the page shows of one rollout: the proto3 JSON of the rollout, its recent rate, ETA and progress. */
export interface RolloutView {
  rollout: unknown;
  tenantsPerSecond: number;
  etaSeconds: number;
  /** Finished tenants (succeeded, failed, skipped, cancelled) of the total, 0–100, rounded down. */
  progressPercent: number;
}

/** The states after which WatchRollout sends nothing more (HALTED still streams: it can be resumed). */
const streamEndStates = new Set([RolloutState.ROLLOUT_STATE_SUCCEEDED, RolloutState.ROLLOUT_STATE_FAILED, RolloutState.ROLLOUT_STATE_CANCELLED]);

export function watchEnds(state: RolloutState): boolean {
  return streamEndStates.has(state);
}

/**
 * Finished of total in percent, rounded down so that 100 means every tenant is final. A rollout with no
 * tenant is at 100 once it ended, at 0 before.
 */
export function progressPercent(counts: RolloutCounts | undefined, state: RolloutState): number {
  const total = counts?.total ?? 0;
  if (total === 0) return watchEnds(state) ? 100 : 0;
  const finished = counts!.succeeded + counts!.failed + counts!.skipped + counts!.cancelled;
  return Math.floor((100 * Math.min(finished, total)) / total);
}

export function rolloutView(progress: WatchRolloutResponse & { rollout: Rollout }): RolloutView {
  const { rollout } = progress;
  return {
    rollout: Rollout.toJSON(rollout),
    tenantsPerSecond: progress.tenantsPerSecond,
    etaSeconds: progress.etaSeconds,
    progressPercent: progressPercent(rollout.counts, rollout.state),
  };
}
