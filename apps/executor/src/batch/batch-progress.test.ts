import { describe, expect, it } from 'vitest';
import { BatchProgress } from './batch-progress.js';

/** A BatchProgress on a clock the test moves. */
function progressAt(stallMs: number) {
  let now = 1_000;
  const progress = new BatchProgress(stallMs, () => now);
  return { progress, advance: (ms: number) => (now += ms) };
}

describe('batch progress (heartbeat gate)', () => {
  it('a tenant in hand with no step ending for longer than the bound is stalled; a step end un-stalls it', () => {
    const { progress, advance } = progressAt(60_000);
    progress.enter();
    advance(59_000);
    expect(progress.stalled()).toBe(false);
    advance(2_000);
    expect(progress.stalledForMs()).toBe(61_000);
    expect(progress.stalled()).toBe(true);
    progress.mark();
    expect(progress.stalled()).toBe(false);
  });

  it('no tenant in hand (a worker waiting at a gate, or a deliberate wait inside a run) is never stalled', () => {
    const { progress, advance } = progressAt(1_000);
    advance(10_000);
    expect(progress.stalled()).toBe(false);
    progress.enter();
    progress.leave();
    advance(10_000);
    expect(progress.stalledForMs()).toBe(0);
    expect(progress.stalled()).toBe(false);
  });

  it('with two workers, one still running keeps the bound in force after the other leaves', () => {
    const { progress, advance } = progressAt(1_000);
    progress.enter();
    progress.enter();
    progress.leave();
    advance(1_500);
    expect(progress.stalled()).toBe(true);
    progress.leave();
    expect(progress.stalled()).toBe(false);
  });
});
