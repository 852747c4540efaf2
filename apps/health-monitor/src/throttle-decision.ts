import { ThrottleLevel, type SignalSample } from '@fleetshift/contracts';

/** Hysteresis of the decision: how many consecutive samples it takes to throttle and to release. */
export interface HysteresisOptions {
  /** THROTTLED after this many consecutive samples with a signal above its threshold (N). */
  throttleAfterSamples: number;
  /** OK again only after this many consecutive samples with every signal below its release level (M). */
  releaseAfterSamples: number;
}

/** The automatic decision for one cluster, carried from one sample to the next. Plain data. */
export interface DecisionState {
  /** UNSPECIFIED until the first sample. */
  level: ThrottleLevel;
  /** The signal that decided the level (empty when OK). */
  cause: string;
  reason: string;
  /** Consecutive samples with at least one signal above its threshold (or unreadable). */
  samplesAbove: number;
  /** Consecutive samples with every signal readable and at or below its release level. */
  samplesBelowRelease: number;
}

export const initialDecision: DecisionState = {
  level: ThrottleLevel.THROTTLE_LEVEL_UNSPECIFIED,
  cause: '',
  reason: 'not sampled yet',
  samplesAbove: 0,
  samplesBelowRelease: 0,
};

/**
 * Decides the next level from one sample of every signal of a cluster:
 *
 * - CRITICAL at once when a signal is above its critical level (executors then cancel the statement in
 *   flight); back to THROTTLED as soon as no signal is critical.
 * - OK → THROTTLED when some signal stays above its threshold for N consecutive samples. A signal that
 *   could not be read counts as above its threshold: a blind monitor must not let a rollout run.
 * - THROTTLED/CRITICAL → OK only when every signal stays readable and below its release level for M
 *   consecutive samples.
 * - The first sample has no history: it decides directly (critical → CRITICAL, any signal above its
 *   threshold → THROTTLED, otherwise OK).
 *
 * "Above" a threshold or critical level is strictly greater; "below" the release level is at or below it
 * (so a count like lock_waiters can have threshold 0 and release 0: throttle on any waiter, release on none).
 */
export function decide(state: DecisionState, samples: SignalSample[], options: HysteresisOptions): DecisionState {
  const critical = samples.find((s) => s.available && s.value > s.critical);
  const above = samples.find((s) => !s.available || s.value > s.threshold);
  const allBelowRelease = samples.every((s) => s.available && s.value <= s.release);
  const samplesAbove = above ? state.samplesAbove + 1 : 0;
  const samplesBelowRelease = allBelowRelease ? state.samplesBelowRelease + 1 : 0;
  const counters = { samplesAbove, samplesBelowRelease };

  if (critical) {
    return { level: ThrottleLevel.THROTTLE_LEVEL_CRITICAL, cause: critical.name, reason: describe(critical, 'critical'), ...counters };
  }

  switch (state.level) {
    case ThrottleLevel.THROTTLE_LEVEL_THROTTLED:
    case ThrottleLevel.THROTTLE_LEVEL_CRITICAL:
      if (samplesBelowRelease >= options.releaseAfterSamples) return ok(counters, `every signal below its release level for ${samplesBelowRelease} samples`);
      if (state.level === ThrottleLevel.THROTTLE_LEVEL_CRITICAL) {
        // No longer critical: stay throttled until released, naming what still holds the throttle.
        const holding = above ?? samples.find((s) => !(s.available && s.value <= s.release));
        return throttled(counters, holding?.name ?? state.cause, holding ? describe(holding, 'release') : state.reason);
      }
      return { ...state, ...counters };
    case ThrottleLevel.THROTTLE_LEVEL_OK:
      if (above && samplesAbove >= options.throttleAfterSamples) return throttled(counters, above.name, `${describe(above, 'threshold')} for ${samplesAbove} samples`);
      return { ...state, ...counters };
    default:
      if (above) return throttled(counters, above.name, describe(above, 'threshold'));
      return ok(counters, 'every signal below its threshold');
  }
}

type Counters = Pick<DecisionState, 'samplesAbove' | 'samplesBelowRelease'>;

function ok(counters: Counters, reason: string): DecisionState {
  return { level: ThrottleLevel.THROTTLE_LEVEL_OK, cause: '', reason, ...counters };
}

function throttled(counters: Counters, cause: string, reason: string): DecisionState {
  return { level: ThrottleLevel.THROTTLE_LEVEL_THROTTLED, cause, reason, ...counters };
}

function describe(sample: SignalSample, against: 'threshold' | 'critical' | 'release'): string {
  if (!sample.available) return `${sample.name} could not be read`;
  const level = against === 'threshold' ? sample.threshold : against === 'critical' ? sample.critical : sample.release;
  const relation = `above ${against === 'release' ? 'release level' : against}`;
  return `${sample.name} ${round(sample.value)} ${relation} ${round(level)}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
