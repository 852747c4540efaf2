import { ManualThrottle, ManualThrottleMode, ThrottleLevel } from '@fleetshift/contracts';

/** An operator's override of one cluster's level (THROTTLE or RELEASE), until cleared or expired. */
export interface ManualOverride {
  mode: ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE | ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE;
  reason: string;
  /** Absent: until cleared. */
  expiresAt?: Date;
}

/**
 * The override a SetManualThrottle request asks for: a THROTTLE/RELEASE override (expiring after
 * ttl_seconds when not 0), or `undefined` for CLEAR. Throws for an unspecified or unknown mode.
 */
export function overrideFromRequest(
  mode: ManualThrottleMode,
  reason: string,
  ttlSeconds: number,
  now: Date,
): ManualOverride | undefined {
  switch (mode) {
    case ManualThrottleMode.MANUAL_THROTTLE_MODE_CLEAR:
      return undefined;
    case ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE:
    case ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE:
      return {
        mode,
        reason: reason || (mode === ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE ? 'throttled by hand' : 'released by hand'),
        expiresAt: ttlSeconds > 0 ? new Date(now.getTime() + ttlSeconds * 1000) : undefined,
      };
    default:
      throw new Error('mode must be MANUAL_THROTTLE_MODE_THROTTLE, MANUAL_THROTTLE_MODE_RELEASE or MANUAL_THROTTLE_MODE_CLEAR');
  }
}

/** The override still in force at `now` (an expired one is gone: the signals decide again). */
export function activeOverride(override: ManualOverride | undefined, now: Date): ManualOverride | undefined {
  if (!override) return undefined;
  if (override.expiresAt && override.expiresAt.getTime() <= now.getTime()) return undefined;
  return override;
}

/**
 * The level an override forces: THROTTLE → THROTTLED, RELEASE → OK whatever the signals say — except
 * CRITICAL, which no override lifts (ClusterThrottleState applies that rule).
 */
export function overriddenLevel(override: ManualOverride): ThrottleLevel {
  return override.mode === ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE
    ? ThrottleLevel.THROTTLE_LEVEL_THROTTLED
    : ThrottleLevel.THROTTLE_LEVEL_OK;
}

/** The contract's view of an override. */
export function toManualThrottle(override: ManualOverride): ManualThrottle {
  return ManualThrottle.fromPartial({ mode: override.mode, reason: override.reason, expiresAt: override.expiresAt });
}

/**
 * The override a stored ManualThrottle stands for, or `undefined` when it is not a THROTTLE/RELEASE (a
 * damaged or foreign entry is ignored rather than trusted).
 */
export function fromManualThrottle(manual: ManualThrottle): ManualOverride | undefined {
  if (manual.mode !== ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE && manual.mode !== ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE) {
    return undefined;
  }
  return { mode: manual.mode, reason: manual.reason, expiresAt: manual.expiresAt };
}
