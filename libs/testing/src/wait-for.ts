import { inspect } from 'node:util';

/** What `waitFor` treats as "not yet" when no `accept` is given. */
export type NotYet = undefined | null | false;

export interface WaitForOptions {
  /** How long to keep polling before failing (default 30 s). */
  timeoutMs?: number;
  /** Pause between two probes (default 50 ms). */
  intervalMs?: number;
}

/**
 * Polls `probe` until its value is accepted, and resolves with that value; after `timeoutMs` it rejects
 * with an error naming `what` and the last value seen. A probe that throws fails the wait at once.
 *
 * Without `accept`, any value but `undefined`, `null` and `false` is accepted, so a probe can return a
 * condition (`() => count >= 3`) or the thing it waits for (`() => signals.find(…)`, `() => ok && row`).
 * With `accept`, the probe returns what it sees and `accept` decides (`waitFor('batch 1', () => pull(),
 * { accept: (jobs) => jobs.length === 1 })`).
 */
export function waitFor<T>(
  what: string,
  probe: () => T | PromiseLike<T>,
  options?: WaitForOptions & { accept?: undefined },
): Promise<Exclude<T, NotYet>>;
export function waitFor<T>(
  what: string,
  probe: () => T | PromiseLike<T>,
  options: WaitForOptions & { accept: (value: T) => boolean },
): Promise<T>;
export async function waitFor<T>(
  what: string,
  probe: () => T | PromiseLike<T>,
  options: WaitForOptions & { accept?: (value: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 50 } = options;
  const accept = options.accept ?? ((value: T) => value !== undefined && value !== null && value !== false);
  if (!what) throw new Error('waitFor: `what` must describe the condition (it names the timeout error)');
  if (!(timeoutMs > 0)) throw new Error(`waitFor(${what}): timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  if (!(intervalMs > 0)) throw new Error(`waitFor(${what}): intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/** The last value, short enough for one error line. */
function describe(value: unknown): string {
  const text = inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 });
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
