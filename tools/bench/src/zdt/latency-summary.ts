import type { AppTransaction } from './app-workload.js';

/** The application's view of one period: latencies (from the scheduled start), throughput, errors. */
export interface LatencySummary {
  transactions: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/**
 * Summarises the transactions of the period [from, to] (epoch ms): throughput counts the ones that
 * completed inside it; latencies are of those scheduled inside it (completion − latency), including any
 * that a lock held past `to`; errors are failed transactions plus pgbench's error lines (aborted clients) in the period.
 */
export function summarizeLatencies(transactions: AppTransaction[], from: number, to: number, errorTimes: number[] = []): LatencySummary {
  const seconds = Math.max(0.001, (to - from) / 1000);
  const completed = transactions.filter((t) => t.endAt >= from && t.endAt <= to && !t.failed);
  const scheduled = transactions.filter((t) => !t.failed && t.endAt - t.latencyMs >= from && t.endAt - t.latencyMs <= to);
  const latencies = scheduled.map((t) => t.latencyMs).sort((a, b) => a - b);
  return {
    transactions: completed.length,
    seconds,
    throughput: completed.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    errors: transactions.filter((t) => t.failed && t.endAt >= from && t.endAt <= to).length + errorTimes.filter((at) => at >= from && at <= to).length,
  };
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export interface ZeroDowntimeVerdict {
  throughputOk: boolean;
  p99Ok: boolean;
  maxOk: boolean;
  errorsOk: boolean;
  ok: boolean;
}

/** The bar: ≥ 80 % of baseline throughput, p99 ≤ 1.5 × baseline p99, max < 100 ms, no error. */
export function zeroDowntimeVerdict(baseline: LatencySummary, during: LatencySummary): ZeroDowntimeVerdict {
  const throughputOk = during.throughput >= 0.8 * baseline.throughput;
  const p99Ok = during.p99 <= 1.5 * baseline.p99;
  const maxOk = during.max < 100;
  const errorsOk = during.errors === 0;
  return { throughputOk, p99Ok, maxOk, errorsOk, ok: throughputOk && p99Ok && maxOk && errorsOk };
}
