/**
 * Which step failures are a lost lock race (worth another attempt later), and how long to wait between
 * attempts. The waiting itself is p-retry's; this module only says what to retry and with which policy.
 */

/** SQLSTATEs that mean "could not get the lock in time" (or lost a lock race): retry later. */
const retryableStates = new Set([
  '55P03', // lock_not_available (lock_timeout)
  '40P01', // deadlock_detected
]);

export interface StepTimeouts {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * True when a failed step should be retried: lock_not_available or a deadlock; or query_canceled
 * (57014) by a statement_timeout that acts as the lock guard (the step has no shorter lock_timeout).
 * A cancel the caller itself sent is not retried here (the run is deferred instead).
 */
export function isLockTimeout(error: unknown, timeouts: StepTimeouts): boolean {
  const code = (error as { code?: string })?.code;
  if (code && retryableStates.has(code)) return true;
  if (code === '57014' && /statement timeout/i.test((error as Error).message)) {
    return timeouts.statementTimeoutMs > 0 && (timeouts.lockTimeoutMs === 0 || timeouts.lockTimeoutMs >= timeouts.statementTimeoutMs);
  }
  return false;
}

/**
 * Exponential backoff with jitter between lock-timeout retries: the n-th wait (n from 0) is
 * min(cap, base × 2^n) stretched by a random factor in [1, 2], so that executors retrying the same busy
 * table spread out instead of knocking together.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** The policy as p-retry options. */
export function retryTiming(policy: BackoffPolicy): { minTimeout: number; maxTimeout: number; factor: number; randomize: boolean } {
  return { minTimeout: policy.baseMs, maxTimeout: policy.capMs, factor: 2, randomize: true };
}
