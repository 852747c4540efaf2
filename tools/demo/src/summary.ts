import Table from 'cli-table3';
import { RolloutState, type Rollout } from '@fleetshift/contracts';

export interface DemoTimings {
  provisionSeconds: number;
  rolloutSeconds: number;
}

/** The demo's closing table: what happened to every tenant and how fast. */
export function renderSummary(rollout: Rollout, timings: DemoTimings): string {
  const counts = rollout.counts!;
  const finished = counts.succeeded + counts.failed + counts.skipped;
  const plain = !process.stdout.isTTY;
  const table = new Table({ head: ['rollout', rollout.id], style: plain ? { head: [], border: [] } : {} });
  table.push(
    ['state', RolloutState[rollout.state].replace('ROLLOUT_STATE_', '')],
    ['tenants', String(counts.total)],
    ['succeeded', String(counts.succeeded)],
    ['failed', String(counts.failed)],
    ['skipped', String(counts.skipped)],
    ['cancelled', String(counts.cancelled)],
    ['distinct plans', String(rollout.plans)],
    ['provisioning time', `${timings.provisionSeconds.toFixed(1)} s`],
    ['rollout wall time', `${timings.rolloutSeconds.toFixed(1)} s`],
    ['tenants/s', (finished / Math.max(timings.rolloutSeconds, 0.001)).toFixed(1)],
    ['time throttled', `${rollout.throttledSeconds.toFixed(1)} s`],
  );
  if (rollout.haltReason) table.push(['halt reason', rollout.haltReason]);
  return table.toString();
}
