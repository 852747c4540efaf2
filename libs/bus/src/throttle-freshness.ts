import { ThrottleLevel, type ThrottleSignal } from '@fleetshift/contracts';

/**
 * How many sample intervals a ThrottleSignal stays valid. Past that the health monitor is presumed
 * lost and the cluster counts as THROTTLED: losing the monitor must stop a rollout, not run it blind.
 */
export const staleAfterIntervals = 3;

/**
 * How far in the future a signal's sample time may lie (clock skew between the monitor's host and the
 * reader's). A signal dated later than that is not trusted: otherwise one forged or mis-clocked signal
 * would stay "fresh" for as long as its date lies ahead and outrank every real one.
 */
export const maxFutureSkewMs = 5000;

/**
 * True when a signal can no longer be trusted: it has no sample time or interval, it was sampled more
 * than three of its own sample intervals before `now`, or it is dated more than maxFutureSkewMs after
 * `now`. Executors and the scheduler share this rule.
 */
export function isStale(signal: ThrottleSignal, now: Date | number = Date.now()): boolean {
  if (!signal.sampledAt || !(signal.sampleIntervalMs > 0)) return true;
  if (isFutureDated(signal, now)) return true;
  return toMs(now) - signal.sampledAt.getTime() > staleAfterIntervals * signal.sampleIntervalMs;
}

/** True when the signal's sample time is unreadable or lies more than maxFutureSkewMs after `now`. */
export function isFutureDated(signal: ThrottleSignal, now: Date | number = Date.now()): boolean {
  const sampledMs = signal.sampledAt?.getTime();
  if (sampledMs === undefined) return false;
  return !Number.isFinite(sampledMs) || sampledMs - toMs(now) > maxFutureSkewMs;
}

function toMs(now: Date | number): number {
  return typeof now === 'number' ? now : now.getTime();
}

/**
 * Whether `candidate` should replace `current` as a cluster's signal. Within one monitor epoch (one run
 * of the monitor process) the higher sequence wins, whatever the timestamps say: the monitor numbers its
 * own signals, while a timestamp can be skewed or forged. A signal of another epoch (a restarted monitor)
 * wins only when it is fresh at `now`, so that a stale or future-dated signal never displaces a fresh one.
 */
export function supersedes(current: ThrottleSignal | undefined, candidate: ThrottleSignal, now: Date | number = Date.now()): boolean {
  if (isFutureDated(candidate, now)) return false;
  if (!current) return true;
  if (candidate.monitorEpoch === current.monitorEpoch) return candidate.sequence > current.sequence;
  return !isStale(candidate, now);
}

/**
 * The level to obey for a cluster: the signal's level when it is fresh; THROTTLED when there is no
 * signal, when it is stale, or when its level is not one of OK / THROTTLED / CRITICAL.
 */
export function effectiveThrottleLevel(signal: ThrottleSignal | undefined, now: Date | number = Date.now()): ThrottleLevel {
  if (!signal || isStale(signal, now)) return ThrottleLevel.THROTTLE_LEVEL_THROTTLED;
  switch (signal.level) {
    case ThrottleLevel.THROTTLE_LEVEL_OK:
    case ThrottleLevel.THROTTLE_LEVEL_THROTTLED:
    case ThrottleLevel.THROTTLE_LEVEL_CRITICAL:
      return signal.level;
    default:
      return ThrottleLevel.THROTTLE_LEVEL_THROTTLED;
  }
}
