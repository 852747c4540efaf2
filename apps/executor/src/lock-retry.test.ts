import { describe, expect, it } from 'vitest';
import { backoffDelay, isLockTimeout } from './lock-retry.js';

describe('lock-timeout retries', () => {
  const policy = { baseMs: 250, capMs: 10_000 };

  it('grows exponentially within [d/2, d] and stops growing at the cap', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(125);
    expect(backoffDelay(0, policy, () => 1)).toBe(250);
    expect(backoffDelay(3, policy, () => 1)).toBe(2000);
    expect(backoffDelay(10, policy, () => 1)).toBe(10_000);
    expect(backoffDelay(10, policy, () => 0)).toBe(5_000);
    expect(backoffDelay(1000, policy, () => 0.5)).toBe(7_500);
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
