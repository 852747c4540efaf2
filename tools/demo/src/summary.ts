import { renderKeyValues, rolloutSummaryRows } from '@fleetshift/console';
import type { Rollout } from '@fleetshift/contracts';

export interface DemoTimings {
  provisionSeconds: number;
  rolloutSeconds: number;
}

/** The demo's closing table: what happened to every tenant and how fast. */
export function renderSummary(rollout: Rollout, timings: DemoTimings): string {
  const counts = rollout.counts!;
  const finished = counts.succeeded + counts.failed + counts.skipped;
  return renderKeyValues(['rollout', rollout.id], [
    ...rolloutSummaryRows(rollout),
    ['provisioning time', `${timings.provisionSeconds.toFixed(1)} s`],
    ['rollout wall time', `${timings.rolloutSeconds.toFixed(1)} s`],
    ['tenants/s', (finished / Math.max(timings.rolloutSeconds, 0.001)).toFixed(1)],
    ['time throttled', `${rollout.throttledSeconds.toFixed(1)} s`],
  ]);
}
