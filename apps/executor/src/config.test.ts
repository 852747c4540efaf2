import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { crossCheck, executorConfigShape, sessionSafetyOf } from './config.js';

const parse = (env: Record<string, string>) => z.object(executorConfigShape).parse(env);

describe('executor configuration: session safety and stall', () => {
  it('defaults: 60 s stall bound, 10 s idle in transaction, idle session 60 s past hold + backoff cap, keepalive 10 s + 3 × 5 s, connection check 5 s', () => {
    const config = parse({});
    expect(config.FLEETSHIFT_EXECUTOR_STALL_MS).toBe(60_000);
    expect(crossCheck(config)).toBeUndefined();
    expect(sessionSafetyOf(config)).toEqual({
      idleInTransactionTimeoutMs: 10_000,
      idleSessionTimeoutMs: 91_000,
      keepAliveIdleMs: 10_000,
      keepAliveIntervalMs: 5_000,
      keepAliveCount: 3,
      connectionCheckIntervalMs: 5_000,
    });
  });

  it('an idle_session_timeout the executor itself could reach while holding a tenant lock is refused, naming the variables', () => {
    expect(crossCheck(parse({ FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS: '20000' }))).toMatch(
      /FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS=20000: must be 0 or above FLEETSHIFT_EXECUTOR_HOLD_MS \+ FLEETSHIFT_EXECUTOR_BACKOFF_CAP_MS \(31000\)/,
    );
    expect(crossCheck(parse({ FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS: '0' }))).toBeUndefined();
    expect(sessionSafetyOf(parse({ FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS: '0' })).idleSessionTimeoutMs).toBe(0);
    // Unset, it follows a longer hold time instead of refusing it.
    const longHold = parse({ FLEETSHIFT_EXECUTOR_HOLD_MS: '120000' });
    expect(crossCheck(longHold)).toBeUndefined();
    expect(sessionSafetyOf(longHold).idleSessionTimeoutMs).toBe(181_000);
    expect(() => parse({ FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS: '-1' })).toThrow(/expected 0 or a positive integer/);
  });
});
