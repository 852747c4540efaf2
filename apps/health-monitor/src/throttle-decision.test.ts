import { SignalSample, ThrottleLevel } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { decide, initialDecision, type DecisionState } from './throttle-decision.js';

const { THROTTLE_LEVEL_OK: OK, THROTTLE_LEVEL_THROTTLED: THROTTLED, THROTTLE_LEVEL_CRITICAL: CRITICAL } = ThrottleLevel;
const options = { throttleAfterSamples: 3, releaseAfterSamples: 5 };

const cpu = (value: number, available = true) =>
  SignalSample.fromPartial({ name: 'cpu_percent', value, threshold: 80, release: 60, critical: 95, available });
const sessions = (value: number) =>
  SignalSample.fromPartial({ name: 'active_sessions_per_core', value, threshold: 2, release: 1, critical: 4, available: true });

/** Feeds samples one by one and returns the level after each. */
function run(start: DecisionState, steps: SignalSample[][]): { levels: ThrottleLevel[]; state: DecisionState } {
  let state = start;
  const levels: ThrottleLevel[] = [];
  for (const step of steps) {
    state = decide(state, step, options);
    levels.push(state.level);
  }
  return { levels, state };
}

const okState = decide(initialDecision, [cpu(10)], options);

describe('decide', () => {
  it('decides the first sample directly', () => {
    expect(decide(initialDecision, [cpu(10)], options).level).toBe(OK);
    expect(decide(initialDecision, [cpu(85)], options)).toMatchObject({ level: THROTTLED, cause: 'cpu_percent' });
    expect(decide(initialDecision, [cpu(99)], options)).toMatchObject({ level: CRITICAL, cause: 'cpu_percent' });
    expect(decide(initialDecision, [cpu(0, false)], options).level).toBe(THROTTLED);
  });

  it('throttles only after N consecutive samples above the threshold', () => {
    expect(run(okState, [[cpu(85)], [cpu(85)], [cpu(85)]]).levels).toEqual([OK, OK, THROTTLED]);
    // A dip below the threshold restarts the count.
    expect(run(okState, [[cpu(85)], [cpu(85)], [cpu(70)], [cpu(85)], [cpu(85)]]).levels).toEqual([OK, OK, OK, OK, OK]);
  });

  it('names the signal that caused the throttle with its value', () => {
    const { state } = run(okState, [[cpu(10), sessions(3)], [cpu(10), sessions(3)], [cpu(10), sessions(3.5)]]);
    expect(state).toMatchObject({ level: THROTTLED, cause: 'active_sessions_per_core' });
    expect(state.reason).toBe('active_sessions_per_core 3.5 above threshold 2 for 3 samples');
  });

  it('releases only after M consecutive samples with every signal below its release level', () => {
    const throttled = run(okState, [[cpu(90)], [cpu(90)], [cpu(90)]]).state;
    // 70 is below the threshold but not below release: stays throttled however long it lasts.
    expect(run(throttled, Array.from({ length: 10 }, () => [cpu(70)])).levels.every((l) => l === THROTTLED)).toBe(true);
    expect(run(throttled, [[cpu(50)], [cpu(50)], [cpu(50)], [cpu(50)], [cpu(50)]]).levels).toEqual([
      THROTTLED, THROTTLED, THROTTLED, THROTTLED, OK,
    ]);
    // One sample back above release restarts the count.
    const interrupted = run(throttled, [[cpu(50)], [cpu(50)], [cpu(50)], [cpu(50)], [cpu(65)], [cpu(50)]]);
    expect(interrupted.levels.at(-1)).toBe(THROTTLED);
    expect(interrupted.state.samplesBelowRelease).toBe(1);
  });

  it('needs every signal below release, and an unreadable signal blocks the release', () => {
    const throttled = run(okState, [[cpu(90)], [cpu(90)], [cpu(90)]]).state;
    const withSessions = run(throttled, Array.from({ length: 6 }, () => [cpu(10), sessions(1.5)]));
    expect(withSessions.state.level).toBe(THROTTLED);
    const unreadable = run(throttled, Array.from({ length: 6 }, () => [cpu(0, false)]));
    expect(unreadable.state.level).toBe(THROTTLED);
  });

  it('throttles when a signal cannot be read for N samples', () => {
    const { state } = run(okState, [[cpu(0, false)], [cpu(0, false)], [cpu(0, false)]]);
    expect(state).toMatchObject({ level: THROTTLED, cause: 'cpu_percent', reason: 'cpu_percent could not be read for 3 samples' });
  });

  it('goes CRITICAL at once above the critical level, back to THROTTLED below it, OK only after release', () => {
    const { levels } = run(okState, [[cpu(97)], [cpu(85)], [cpu(40)], [cpu(40)], [cpu(40)], [cpu(40)], [cpu(40)]]);
    expect(levels).toEqual([CRITICAL, THROTTLED, THROTTLED, THROTTLED, THROTTLED, THROTTLED, OK]);
  });

  it('goes CRITICAL from THROTTLED without waiting', () => {
    const throttled = run(okState, [[cpu(90)], [cpu(90)], [cpu(90)]]).state;
    expect(decide(throttled, [cpu(96)], options)).toMatchObject({ level: CRITICAL, reason: 'cpu_percent 96 above critical 95' });
  });
});
