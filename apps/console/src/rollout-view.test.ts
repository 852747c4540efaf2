import { describe, expect, it } from 'vitest';
import { RolloutCounts, RolloutState, ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import { ClusterHistory, pointOf } from './cluster-history.js';
import { progressPercent } from './rollout-view.js';

const counts = (partial: Partial<RolloutCounts>) => RolloutCounts.fromPartial(partial);

describe('rollout progress', () => {
  it('is finished of total, rounded down, so that 100 % means every tenant is final', () => {
    expect(progressPercent(counts({ total: 20, succeeded: 10, failed: 1, skipped: 1, cancelled: 1, running: 7 }), RolloutState.ROLLOUT_STATE_RUNNING)).toBe(65);
    expect(progressPercent(counts({ total: 3, succeeded: 2, running: 1 }), RolloutState.ROLLOUT_STATE_RUNNING)).toBe(66);
    expect(progressPercent(counts({ total: 200, succeeded: 199, running: 1 }), RolloutState.ROLLOUT_STATE_RUNNING)).toBe(99);
    expect(progressPercent(counts({ total: 20, succeeded: 20 }), RolloutState.ROLLOUT_STATE_SUCCEEDED)).toBe(100);
  });

  it('a rollout without tenants is at 0 until it ended, then at 100', () => {
    expect(progressPercent(counts({ total: 0 }), RolloutState.ROLLOUT_STATE_PENDING)).toBe(0);
    expect(progressPercent(undefined, RolloutState.ROLLOUT_STATE_SUCCEEDED)).toBe(100);
  });
});

describe('cluster history', () => {
  const signal = (seconds: number, cpu: number | undefined, level = ThrottleLevel.THROTTLE_LEVEL_OK) =>
    ThrottleSignal.fromPartial({
      clusterId: 'eu1',
      level,
      pace: 3,
      sampledAt: new Date(seconds * 1000),
      signals: cpu === undefined ? [] : [{ name: 'cpu_percent', value: cpu, available: true }, { name: 'lock_waiters', value: 9, available: true }],
    });

  it('a point carries the CPU sample, the pace and the level; no CPU sample is null', () => {
    expect(pointOf(signal(10, 42.5))).toEqual({ t: 10_000, cpu: 42.5, pace: 3, level: 'THROTTLE_LEVEL_OK' });
    expect(pointOf(signal(11, undefined, ThrottleLevel.THROTTLE_LEVEL_THROTTLED))).toEqual({ t: 11_000, cpu: null, pace: 3, level: 'THROTTLE_LEVEL_THROTTLED' });
  });

  it('keeps the newest points per cluster in time order and drops replayed older ones', () => {
    const history = new ClusterHistory(3);
    for (const t of [1, 2, 3, 4]) expect(history.add('eu1', pointOf(signal(t, t)))).toBe(true);
    expect(history.add('eu1', pointOf(signal(2, 2)))).toBe(false);
    expect(history.add('eu1', pointOf(signal(4, 4)))).toBe(false);
    expect(history.points('eu1').map((p) => p.t)).toEqual([2000, 3000, 4000]);
    expect(history.points('us1')).toEqual([]);
    expect(Object.keys(history.all())).toEqual(['eu1']);
  });
});
