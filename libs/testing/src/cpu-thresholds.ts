/**
 * CPU thresholds for a run on a host whose CPU without our load is `idle` (a percentile of a short
 * measurement): throttle halfway between idle and 100 %, kept within 85–95 % so that other work on a
 * shared host rarely crosses it while our load (more sessions than cores) reliably does; release
 * halfway back to idle but no more than 10 points below the threshold, so that background work on the
 * host does not hold the throttle forever.
 */
export function cpuThresholdsFor(idle: number): { threshold: number; release: number } {
  const threshold = Math.min(95, Math.max(85, idle + (100 - idle) / 2));
  const release = Math.max(idle + (threshold - idle) / 2, threshold - 10);
  return { threshold, release };
}
