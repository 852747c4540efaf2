import { ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { effectiveThrottleLevel, isStale } from './throttle-freshness.js';

const sampledAt = new Date('2026-01-01T00:00:00.000Z');
const signal = (partial: Partial<ThrottleSignal>) =>
  ThrottleSignal.fromPartial({ clusterId: 'c1', level: ThrottleLevel.THROTTLE_LEVEL_OK, sampledAt, sampleIntervalMs: 1000, ...partial });

describe('isStale', () => {
  it('keeps a signal fresh up to three sample intervals, stale after', () => {
    expect(isStale(signal({}), sampledAt.getTime() + 3000)).toBe(false);
    expect(isStale(signal({}), sampledAt.getTime() + 3001)).toBe(true);
    expect(isStale(signal({ sampleIntervalMs: 250 }), new Date(sampledAt.getTime() + 751))).toBe(true);
  });

  it('treats a signal without sample time or interval as stale', () => {
    expect(isStale(signal({ sampledAt: undefined }), sampledAt)).toBe(true);
    expect(isStale(signal({ sampleIntervalMs: 0 }), sampledAt)).toBe(true);
  });
});

describe('effectiveThrottleLevel', () => {
  it('obeys a fresh signal and throttles on a missing, stale or unknown one', () => {
    const now = sampledAt.getTime() + 500;
    expect(effectiveThrottleLevel(signal({}), now)).toBe(ThrottleLevel.THROTTLE_LEVEL_OK);
    expect(effectiveThrottleLevel(signal({ level: ThrottleLevel.THROTTLE_LEVEL_CRITICAL }), now)).toBe(ThrottleLevel.THROTTLE_LEVEL_CRITICAL);
    expect(effectiveThrottleLevel(undefined, now)).toBe(ThrottleLevel.THROTTLE_LEVEL_THROTTLED);
    expect(effectiveThrottleLevel(signal({}), now + 10_000)).toBe(ThrottleLevel.THROTTLE_LEVEL_THROTTLED);
    expect(effectiveThrottleLevel(signal({ level: ThrottleLevel.THROTTLE_LEVEL_UNSPECIFIED }), now)).toBe(ThrottleLevel.THROTTLE_LEVEL_THROTTLED);
  });
});
