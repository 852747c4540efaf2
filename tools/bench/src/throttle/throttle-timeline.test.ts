import { ThrottleLevel } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { measureReaction, startsPerSecond, throttleWindows, type SignalPoint } from './throttle-timeline.js';

const { THROTTLE_LEVEL_OK: OK, THROTTLE_LEVEL_THROTTLED: THROTTLED, THROTTLE_LEVEL_CRITICAL: CRITICAL } = ThrottleLevel;
const signals: SignalPoint[] = [
  { at: 1000, level: OK, cpu: 20 },
  { at: 2000, level: OK, cpu: 90 },
  { at: 3000, level: OK, cpu: 92 },
  { at: 4000, level: THROTTLED, cpu: 95 },
  { at: 5000, level: CRITICAL, cpu: 99 },
  { at: 6000, level: THROTTLED, cpu: 30 },
  { at: 7000, level: OK, cpu: 20 },
  { at: 8000, level: THROTTLED, cpu: 85 },
];

describe('throttle timeline', () => {
  it('finds the throttle windows, closing an open one at the end', () => {
    expect(throttleWindows(signals, 9000)).toEqual([{ from: 4000, to: 7000 }, { from: 8000, to: 9000 }]);
  });

  it('measures from the threshold crossing to the last tenant start before release', () => {
    const reaction = measureReaction({
      signals,
      tenantStarts: [500, 1500, 2500, 3900, 7100, 7500],
      loadStartedAt: 1500,
      cpuThreshold: 80,
      sampleIntervalMs: 1000,
    });
    expect(reaction).toEqual({
      crossedAt: 2000,
      throttledAt: 4000,
      resumedAt: 7000,
      lastStartBeforeResume: 3900,
      reactionMs: 1900,
      startsWhileThrottled: 0,
    });
  });

  it('counts starts later than one interval after THROTTLED as broken promises', () => {
    const reaction = measureReaction({ signals, tenantStarts: [4500, 5500, 6500], loadStartedAt: 0, cpuThreshold: 80, sampleIntervalMs: 1000 });
    expect(reaction.startsWhileThrottled).toBe(2);
  });

  it('bins starts per second', () => {
    expect(startsPerSecond([0, 100, 999, 1000, 2500], 0, 3000)).toEqual([[0.5, 3], [1.5, 1], [2.5, 1]]);
  });
});
