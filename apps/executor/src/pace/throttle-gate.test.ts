import { ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import { maxFutureSkewMs } from '@fleetshift/bus';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ThrottleBoard } from './throttle-gate.js';

const { THROTTLE_LEVEL_OK: OK, THROTTLE_LEVEL_THROTTLED: THROTTLED } = ThrottleLevel;
const logger = pino({ level: 'silent' });
const signal = (partial: Partial<ThrottleSignal>) =>
  ThrottleSignal.fromPartial({ clusterId: 'c1', sampledAt: new Date(), sampleIntervalMs: 60_000, monitorEpoch: 'run-1', ...partial });

describe('ThrottleBoard signal ordering', () => {
  it('a forged future-dated OK does not override a fresh THROTTLED, nor block the real signals after it', () => {
    const board = new ThrottleBoard(logger);
    board.accept(signal({ level: THROTTLED, sequence: 5 }));
    expect(board.level('c1')).toBe(THROTTLED);

    const future = new Date(Date.now() + 365 * 24 * 3600_000);
    board.accept(signal({ level: OK, sequence: 6, sampledAt: future }));
    board.accept(signal({ level: OK, sequence: 1, sampledAt: future, monitorEpoch: 'forged' }));
    board.accept(signal({ level: OK, sequence: 6, sampledAt: new Date(Date.now() + maxFutureSkewMs + 1000) }));
    expect(board.level('c1')).toBe(THROTTLED);
    expect(board.canStart('c1')).toBe(false);

    // The monitor's next signal (same epoch, next sequence) is obeyed as usual.
    board.accept(signal({ level: OK, sequence: 6 }));
    expect(board.level('c1')).toBe(OK);
  });

  it('orders by sequence within an epoch, not by sample time', () => {
    const board = new ThrottleBoard(logger);
    const now = Date.now();
    board.accept(signal({ level: OK, sequence: 10, sampledAt: new Date(now + 2000) }));
    // The next signal of the same run, sampled "earlier" by a clock step back: still the newer one.
    board.accept(signal({ level: THROTTLED, sequence: 11, sampledAt: new Date(now) }));
    expect(board.level('c1')).toBe(THROTTLED);
    // An older one delivered late (the KV replay after the broadcast) changes nothing.
    board.accept(signal({ level: OK, sequence: 9, sampledAt: new Date(now + 3000) }));
    expect(board.level('c1')).toBe(THROTTLED);
  });

  it('takes a restarted monitor (new epoch, lower sequence) only with a fresh signal', () => {
    const board = new ThrottleBoard(logger);
    board.accept(signal({ level: THROTTLED, sequence: 100 }));
    board.accept(signal({ level: OK, sequence: 1, monitorEpoch: 'run-0', sampledAt: new Date(Date.now() - 10 * 60_000) }));
    expect(board.level('c1')).toBe(THROTTLED);
    board.accept(signal({ level: OK, sequence: 1, monitorEpoch: 'run-2' }));
    expect(board.level('c1')).toBe(OK);
  });
});
