import type { KV } from '@nats-io/kv';

/**
 * A fault injected into the scheduler's view of the rollouts KV bucket: while `failing`, every read and
 * write throws as a NATS outage would (the bucket itself is untouched, so the test can read the truth).
 */
export function failingKv(real: KV): { kv: KV; failing: boolean } {
  const fault = { failing: true, kv: real };
  fault.kv = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (fault.failing) return Promise.reject(new Error(`injected fault: NATS unavailable (${String(property)})`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return fault;
}
