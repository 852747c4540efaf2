import { describe, expect, it } from 'vitest';
import { parsePgbenchLog, type AppTransaction } from './app-workload.js';
import { percentile, summarizeLatencies, zeroDowntimeVerdict } from './latency-summary.js';

describe('application latency summary', () => {
  it('reads pgbench per-transaction log lines (with -R schedule lag, failed ones, and a line cut short)', () => {
    const log = ['0 1 1500 0 1700000000 250000 120', '3 7 failed 1 1700000001 5000 0', '1 2 90000 1 1700000002 0 400', '2 5 4'].join('\n');
    expect(parsePgbenchLog(log)).toEqual([
      { script: 0, endAt: 1_700_000_000_250, latencyMs: 1.5, failed: false },
      { script: 1, endAt: 1_700_000_001_005, latencyMs: 0, failed: true },
      { script: 1, endAt: 1_700_000_002_000, latencyMs: 90, failed: false },
    ]);
  });

  it('counts throughput by completion and latency by scheduled start, inside the period', () => {
    const tx = (endAt: number, latencyMs: number, failed = false): AppTransaction => ({ script: 0, endAt, latencyMs, failed });
    const transactions = [tx(500, 1), tx(1500, 2), tx(2500, 3), tx(2900, 4), tx(3200, 1500), tx(4500, 5), tx(2000, 0, true)];
    const s = summarizeLatencies(transactions, 1000, 3000, [2500, 9000]);
    expect(s.transactions).toBe(3); // 1500, 2500, 2900 completed inside
    expect(s.throughput).toBe(1.5);
    expect(s.max).toBe(1500); // scheduled at 1700, blocked past the end
    expect(s.p50).toBe(3);
    expect(s.errors).toBe(2); // one failed transaction, one pgbench error line inside the period
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.99)).toBe(0);
  });

  it('holds a migration to the zero-downtime bar against the baseline', () => {
    const base = { transactions: 100, seconds: 10, throughput: 10, p50: 2, p99: 10, max: 20, errors: 0 };
    expect(zeroDowntimeVerdict(base, { ...base, throughput: 8.5, p99: 14, max: 90 }).ok).toBe(true);
    expect(zeroDowntimeVerdict(base, { ...base, throughput: 7.9 })).toMatchObject({ ok: false, throughputOk: false });
    expect(zeroDowntimeVerdict(base, { ...base, p99: 16 })).toMatchObject({ ok: false, p99Ok: false });
    expect(zeroDowntimeVerdict(base, { ...base, max: 100 })).toMatchObject({ ok: false, maxOk: false });
    expect(zeroDowntimeVerdict(base, { ...base, errors: 1 })).toMatchObject({ ok: false, errorsOk: false });
  });
});
