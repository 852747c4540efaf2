import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('polls until the probe returns something other than undefined, null or false, and resolves with it', async () => {
    const seen: unknown[] = [undefined, null, false, { id: 7 }];
    let calls = 0;
    const value = await waitFor('the row', () => seen[calls++], { intervalMs: 1 });
    expect(value).toEqual({ id: 7 });
    expect(calls).toBe(4);
  });

  it('takes a boolean condition (the executor\'s shape) and an async probe', async () => {
    let n = 0;
    await expect(waitFor('three ticks', async () => ++n >= 3, { intervalMs: 1 })).resolves.toBe(true);
    expect(n).toBe(3);
  });

  it('lets `accept` decide, so 0, "" and empty lists can be what is waited for', async () => {
    let n = 3;
    const zero = await waitFor('the count at zero', () => n--, { accept: (value) => value === 0, intervalMs: 1 });
    expect(zero).toBe(0);
    let pulls = 0;
    const jobs = await waitFor('one job', () => (++pulls < 3 ? [] : ['job']), { accept: (list) => list.length === 1, intervalMs: 1 });
    expect(jobs).toEqual(['job']);
  });

  it('fails after the deadline naming what it waited for and the last value', async () => {
    await expect(waitFor('the rollout DONE', () => ({ state: 'RUNNING' }), { accept: (r) => r.state === 'DONE', timeoutMs: 30, intervalMs: 5 }))
      .rejects.toThrow(/^timed out after 30 ms waiting for the rollout DONE; last value: \{ state: 'RUNNING' \}$/);
    await expect(waitFor('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(/waiting for never; last value: false$/);
  });

  it('fails at once when the probe throws', async () => {
    let calls = 0;
    const failing = waitFor('a broken probe', () => {
      calls++;
      throw new Error('connection refused');
    });
    await expect(failing).rejects.toThrow('connection refused');
    expect(calls).toBe(1);
  });

  it('refuses a missing description and non-positive times', async () => {
    await expect(waitFor('', () => true)).rejects.toThrow(/`what` must describe/);
    await expect(waitFor('x', () => true, { timeoutMs: 0 })).rejects.toThrow(/timeoutMs must be a positive number/);
    await expect(waitFor('x', () => true, { intervalMs: -1 })).rejects.toThrow(/intervalMs must be a positive number/);
  });
});
