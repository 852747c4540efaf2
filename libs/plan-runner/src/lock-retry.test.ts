import { describe, expect, it } from 'vitest';
import { isLockTimeout, retryTiming } from './lock-retry.js';

describe('lock-timeout retries', () => {
  it('backs off exponentially from the base to the cap, with jitter', () => {
    expect(retryTiming({ baseMs: 250, capMs: 10_000 })).toEqual({ minTimeout: 250, maxTimeout: 10_000, factor: 2, randomize: true });
  });

  it('retries lock_not_available and deadlocks, not other errors', () => {
    const timeouts = { lockTimeoutMs: 500, statementTimeoutMs: 0 };
    expect(isLockTimeout({ code: '55P03', message: 'canceling statement due to lock timeout' }, timeouts)).toBe(true);
    expect(isLockTimeout({ code: '40P01', message: 'deadlock detected' }, timeouts)).toBe(true);
    expect(isLockTimeout({ code: '42P07', message: 'relation already exists' }, timeouts)).toBe(false);
    expect(isLockTimeout({ code: '57014', message: 'canceling statement due to user request' }, timeouts)).toBe(false);
  });

  it('retries a statement timeout only when it is the lock guard', () => {
    const error = { code: '57014', message: 'canceling statement due to statement timeout' };
    expect(isLockTimeout(error, { lockTimeoutMs: 0, statementTimeoutMs: 1000 })).toBe(true);
    expect(isLockTimeout(error, { lockTimeoutMs: 2000, statementTimeoutMs: 1000 })).toBe(true);
    expect(isLockTimeout(error, { lockTimeoutMs: 500, statementTimeoutMs: 60_000 })).toBe(false);
  });
});
