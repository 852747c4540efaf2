import { ThrottleLevel } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { initialPace, nextPace, type PaceOptions, type PaceState } from './pace-controller.js';

const OK = ThrottleLevel.THROTTLE_LEVEL_OK;
const options: PaceOptions = { targetCpu: 60, band: 10, min: 1, max: 16, decreaseFactor: 0.7 };

/** Feeds a recorded trace of CPU readings (and levels) through the controller; returns the paces. */
function replay(trace: Array<number | [number, ThrottleLevel]>, start: PaceState = initialPace(options)): number[] {
  const paces: number[] = [];
  let state = start;
  for (const entry of trace) {
    const [cpuPercent, level] = typeof entry === 'number' ? [entry, OK] : entry;
    state = nextPace(state, { level, cpuPercent }, options);
    paces.push(state.pace);
  }
  return paces;
}

describe('pace controller (AIMD)', () => {
  it('a recorded trace: slow start, additive increase, hold in the band, multiplicative decrease', () => {
    const cpu = [5, 12, 22, 35, 46, 52, 58, 66, 71, 55, 44, 49, 53];
    expect(replay(cpu)).toEqual([2, 4, 8, 9, 10, 10, 10, 7, 4, 4, 5, 6, 6]);
  });

  it('not OK restarts from the minimum; an unreadable CPU holds the pace', () => {
    const state = { pace: 9, reason: '' };
    expect(nextPace(state, { level: ThrottleLevel.THROTTLE_LEVEL_THROTTLED, cpuPercent: 85 }, options)).toMatchObject({ pace: 1 });
    expect(nextPace(state, { level: ThrottleLevel.THROTTLE_LEVEL_CRITICAL, cpuPercent: 99 }, options)).toMatchObject({ pace: 1 });
    expect(nextPace(state, { level: OK, cpuPercent: undefined }, options)).toMatchObject({ pace: 9, reason: 'no CPU reading: pace held' });
  });

  it('stays within [min, max] and says why', () => {
    expect(nextPace({ pace: 16, reason: '' }, { level: OK, cpuPercent: 10 }, options)).toEqual({ pace: 16, reason: 'cpu 10% below target 60%: at the maximum' });
    expect(nextPace({ pace: 1, reason: '' }, { level: OK, cpuPercent: 90 }, options)).toEqual({ pace: 1, reason: 'cpu 90% above target 60%: at the minimum' });
    expect(nextPace({ pace: 2, reason: '' }, { level: OK, cpuPercent: 61 }, options)).toEqual({ pace: 1, reason: 'cpu 61% above target 60%: ×0.7' });
  });

  it('against a simulated database, settles below the throttle line instead of oscillating across it', () => {
    // CPU = 8% idle + 7% per tenant in flight, with a deterministic ±4% wobble.
    let state = initialPace(options);
    const readings: number[] = [];
    for (let t = 0; t < 120; t++) {
      const cpu = 8 + 7 * state.pace + 4 * Math.sin(t * 1.7);
      readings.push(cpu);
      state = nextPace(state, { level: OK, cpuPercent: cpu }, options);
    }
    const settled = readings.slice(20);
    expect(Math.max(...settled)).toBeLessThan(80);
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    expect(mean).toBeGreaterThan(45);
    expect(mean).toBeLessThanOrEqual(66);
  });

  it('backs off on another signal above its threshold, and holds while one is above its release level', () => {
    const sessions = (value: number) => [{ name: 'active_sessions_per_core', value, threshold: 2, release: 1 }];
    expect(nextPace({ pace: 8, reason: '' }, { level: OK, cpuPercent: 20, others: sessions(2.5) }, options)).toEqual({
      pace: 5,
      reason: 'active_sessions_per_core 2.5 above threshold 2: ×0.7',
    });
    expect(nextPace({ pace: 8, reason: '' }, { level: OK, cpuPercent: 20, others: sessions(1.5) }, options)).toEqual({
      pace: 8,
      reason: 'active_sessions_per_core 1.5 above release 1: held',
    });
    expect(nextPace({ pace: 8, reason: '' }, { level: OK, cpuPercent: 20, others: sessions(0.5) }, options).pace).toBe(16);
  });

  it('under steady unrelated load between target and throttle line, keeps going at the minimum pace', () => {
    const paces = replay(Array.from({ length: 30 }, () => 64));
    expect(paces.every((p) => p === 1)).toBe(true);
    expect(nextPace({ pace: 1, reason: '' }, { level: OK, cpuPercent: 64 }, options).reason).toBe('cpu 64% above target 60%: at the minimum');
  });
});
