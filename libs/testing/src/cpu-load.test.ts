import { findPostgres } from './postgres.js';
import { describe, expect, it } from 'vitest';
import { startCpuLoad } from './cpu-load.js';

describe('startCpuLoad', () => {
  it('runs CPU-heavy queries from N sessions and stops by itself when its time is up', async () => {
    const url = await findPostgres();
    const load = startCpuLoad({ url, connections: 2, durationMs: 1500, rowsPerQuery: 500_000 });
    const result = await load.done;
    expect(result.queries).toBeGreaterThanOrEqual(2);
    const elapsed = result.stoppedAt.getTime() - result.startedAt.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    // Statements are bounded by the time left: the run cannot overrun by a whole long query.
    expect(elapsed).toBeLessThan(1500 + 2000);
  });

  it('stops early on stop(), cancelling the queries in flight', async () => {
    const url = await findPostgres();
    const load = startCpuLoad({ url, connections: 2, durationMs: 60_000, rowsPerQuery: 50_000_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const result = await load.stop();
    expect(result.stoppedAt.getTime() - result.startedAt.getTime()).toBeLessThan(10_000);
  });

  it('refuses anything but a loopback server and unbounded runs', () => {
    expect(() => startCpuLoad({ url: 'postgresql://postgres@db.example.com/postgres', connections: 1, durationMs: 1000 })).toThrow(/loopback/);
    expect(() => startCpuLoad({ url: 'postgresql://postgres@127.0.0.1/postgres', connections: 100, durationMs: 1000 })).toThrow(/connections/);
    expect(() => startCpuLoad({ url: 'postgresql://postgres@127.0.0.1/postgres', connections: 1, durationMs: 3_600_000 })).toThrow(/duration/);
  });
});
