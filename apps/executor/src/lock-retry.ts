/**
 * Lock-timeout retries: which errors are worth retrying and how long to wait in between.
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
 * A cancel the executor itself sent is not retried here (the tenant is deferred instead).
 */
export function isLockTimeout(error: unknown, timeouts: StepTimeouts): boolean {
  const code = (error as { code?: string })?.code;
  if (code && retryableStates.has(code)) return true;
  if (code === '57014' && /statement timeout/i.test((error as Error).message)) {
    return timeouts.statementTimeoutMs > 0 && (timeouts.lockTimeoutMs === 0 || timeouts.lockTimeoutMs >= timeouts.statementTimeoutMs);
  }
  return false;
}

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * "Full jitter" exponential backoff: a random delay in [d/2, d] with d = min(cap, base × 2^retry), so
 * that executors retrying the same busy table spread out instead of knocking together.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Waits `ms`, or less when `signal` aborts (then rejects with the abort reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
