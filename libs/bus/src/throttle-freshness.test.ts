import { ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { effectiveThrottleLevel, isFutureDated, isStale, maxFutureSkewMs, supersedes } from './throttle-freshness.js';

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

describe('future-dated signals (clock skew allowance)', () => {
  it('trusts a signal dated up to maxFutureSkewMs ahead, and treats one dated later as stale (THROTTLED)', () => {
    const now = sampledAt.getTime();
    expect(isStale(signal({ sampledAt: new Date(now + maxFutureSkewMs) }), now)).toBe(false);
    const forged = signal({ sampledAt: new Date(now + maxFutureSkewMs + 1) });
    expect(isFutureDated(forged, now)).toBe(true);
    expect(isStale(forged, now)).toBe(true);
    expect(effectiveThrottleLevel(forged, now)).toBe(ThrottleLevel.THROTTLE_LEVEL_THROTTLED);
    // Far in the future (the old attack): still not trusted, ever.
    expect(effectiveThrottleLevel(signal({ sampledAt: new Date('2099-01-01T00:00:00Z') }), now)).toBe(ThrottleLevel.THROTTLE_LEVEL_THROTTLED);
  });
});

describe('supersedes', () => {
  const now = sampledAt.getTime() + 100;
  const throttled = signal({ level: ThrottleLevel.THROTTLE_LEVEL_THROTTLED, monitorEpoch: 'e1', sequence: 10 });

  it('orders by sequence within one epoch, whatever the timestamps say', () => {
    expect(supersedes(throttled, signal({ monitorEpoch: 'e1', sequence: 11, sampledAt: new Date(sampledAt.getTime() - 500) }), now)).toBe(true);
    expect(supersedes(throttled, signal({ monitorEpoch: 'e1', sequence: 9, sampledAt: new Date(now) }), now)).toBe(false);
    expect(supersedes(throttled, signal({ monitorEpoch: 'e1', sequence: 10 }), now)).toBe(false);
  });

  it('a forged future-dated OK does not override a fresh THROTTLED, in its epoch or another', () => {
    const future = new Date(now + 60_000);
    expect(supersedes(throttled, signal({ monitorEpoch: 'e1', sequence: 99, sampledAt: future }), now)).toBe(false);
    expect(supersedes(throttled, signal({ monitorEpoch: 'forged', sequence: 1, sampledAt: future }), now)).toBe(false);
    expect(supersedes(undefined, signal({ monitorEpoch: 'forged', sampledAt: future }), now)).toBe(false);
  });

  it('lets a new epoch win only with a fresh signal', () => {
    expect(supersedes(throttled, signal({ monitorEpoch: 'e2', sequence: 1 }), now)).toBe(true);
    const old = new Date(now - 10_000);
    expect(supersedes(throttled, signal({ monitorEpoch: 'e0', sequence: 500, sampledAt: old }), now)).toBe(false);
    expect(supersedes(undefined, signal({ monitorEpoch: 'e0', sampledAt: old }), now)).toBe(true);
  });
});
