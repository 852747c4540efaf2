/** Latencies of repeated calls: p50, p99 and max in ms (nearest-rank). */
export interface LatencySummary {
  calls: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: number[]): LatencySummary {
  if (!samples.length) return { calls: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { calls: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

/** Times `call` again and again (a pause between calls) until stopped; failures are counted, not timed. */
export function probeLoop(call: () => Promise<unknown>, pauseMs: number) {
  const samples: number[] = [];
  let failures = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        await call();
        samples.push(performance.now() - started);
      } catch {
        failures++;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop(): Promise<{ summary: LatencySummary; failures: number }> {
      stopped = true;
      await done;
      return { summary: summarize(samples), failures };
    },
  };
}
