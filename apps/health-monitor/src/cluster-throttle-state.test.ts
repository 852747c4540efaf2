import { ManualThrottleMode, SignalSample, ThrottleLevel } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { ClusterThrottleState } from './cluster-throttle-state.js';
import type { PaceOptions } from './pace/pace-controller.js';

const { THROTTLE_LEVEL_OK: OK, THROTTLE_LEVEL_THROTTLED: THROTTLED, THROTTLE_LEVEL_CRITICAL: CRITICAL } = ThrottleLevel;
const { MANUAL_THROTTLE_MODE_THROTTLE: THROTTLE, MANUAL_THROTTLE_MODE_RELEASE: RELEASE } = ManualThrottleMode;
const hysteresis = { throttleAfterSamples: 1, releaseAfterSamples: 1 };
const pace: PaceOptions = { targetCpu: 60, band: 10, min: 1, max: 16, decreaseFactor: 0.7 };
const cpu = (value: number) => SignalSample.fromPartial({ name: 'cpu_percent', value, threshold: 80, release: 60, critical: 95, available: true });
const now = new Date('2026-01-01T00:00:00Z');

function stateAt(cpuPercent: number, mode?: ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE | ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE) {
  const state = new ClusterThrottleState('c1', hysteresis, pace);
  state.recordSample([cpu(cpuPercent)], now);
  if (mode) state.override = { mode, reason: 'by hand' };
  state.evaluate(now);
  return state;
}

describe('ClusterThrottleState with a manual override', () => {
  it('a RELEASE lifts THROTTLED to OK', () => {
    expect(stateAt(85).current.level).toBe(THROTTLED);
    expect(stateAt(85, RELEASE).current).toMatchObject({ level: OK, cause: 'manual' });
  });

  it('a RELEASE under CRITICAL stays CRITICAL, naming the signal and the ignored release', () => {
    const state = stateAt(99, RELEASE);
    expect(state.current.level).toBe(CRITICAL);
    expect(state.current.cause).toBe('cpu_percent');
    expect(state.current.reason).toMatch(/manual release does not apply while CRITICAL/);
    // The override stays on record: once the cluster is no longer CRITICAL it applies again.
    expect(state.health().manual?.mode).toBe(RELEASE);
    state.recordSample([cpu(85)], now);
    state.evaluate(now);
    expect(state.current).toMatchObject({ level: OK, cause: 'manual' });
  });

  it('a THROTTLE does not lower CRITICAL to THROTTLED', () => {
    expect(stateAt(99, THROTTLE).current.level).toBe(CRITICAL);
    expect(stateAt(10, THROTTLE).current).toMatchObject({ level: THROTTLED, cause: 'manual' });
  });
});
