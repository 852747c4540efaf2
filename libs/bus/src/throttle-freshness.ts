import { ThrottleLevel, type ThrottleSignal } from '@fleetshift/contracts';

/**
 * How many sample intervals a ThrottleSignal stays valid. Past that the health monitor is presumed
 * lost and the cluster counts as THROTTLED: losing the monitor must stop a rollout, not run it blind.
 */
export const staleAfterIntervals = 3;

/**
 * True when a signal can no longer be trusted: it has no sample time or interval, or it was sampled
 * more than three of its own sample intervals before `now`. Executors and the scheduler share this rule.
 */
export function isStale(signal: ThrottleSignal, now: Date | number = Date.now()): boolean {
  if (!signal.sampledAt || !(signal.sampleIntervalMs > 0)) return true;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return nowMs - signal.sampledAt.getTime() > staleAfterIntervals * signal.sampleIntervalMs;
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
