import { ThrottleLevel } from '@fleetshift/contracts';

/** One throttle signal of the watched cluster as the benchmark heard it. */
export interface SignalPoint {
  /** Epoch milliseconds. */
  at: number;
  level: ThrottleLevel;
  /** cpu_percent of that sample, when the monitor sampled CPU. */
  cpu?: number;
}

export interface Window {
  from: number;
  to: number;
}

/** Periods during which the cluster was not OK (THROTTLED or CRITICAL), closed at `end` if still open. */
export function throttleWindows(signals: SignalPoint[], end: number): Window[] {
  const windows: Window[] = [];
  let openedAt: number | undefined;
  for (const signal of signals) {
    const throttled = signal.level !== ThrottleLevel.THROTTLE_LEVEL_OK;
    if (throttled && openedAt === undefined) openedAt = signal.at;
    if (!throttled && openedAt !== undefined) {
      windows.push({ from: openedAt, to: signal.at });
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) windows.push({ from: openedAt, to: end });
  return windows;
}

export interface Reaction {
  /** First CPU sample above the threshold once the load had started. */
  crossedAt?: number;
  /** First THROTTLED/CRITICAL signal at or after the crossing. */
  throttledAt?: number;
  /** First OK signal after that. */
  resumedAt?: number;
  /** The last tenant start before the cluster was OK again. */
  lastStartBeforeResume?: number;
  /** lastStartBeforeResume − crossedAt (0 when nothing started after the crossing). */
  reactionMs?: number;
  /** Starts later than one sample interval after THROTTLED and before OK: the executors' promise broken. */
  startsWhileThrottled: number;
}

/**
 * How fast the fleet stopped starting tenants once the load crossed the threshold: from the crossing
 * to the last tenant start before the cluster was released.
 */
export function measureReaction(input: {
  signals: SignalPoint[];
  tenantStarts: number[];
  loadStartedAt: number;
  cpuThreshold: number;
  sampleIntervalMs: number;
}): Reaction {
  const crossing = input.signals.find((s) => s.at >= input.loadStartedAt && s.cpu !== undefined && s.cpu > input.cpuThreshold);
  if (!crossing) return { startsWhileThrottled: 0 };
  const throttled = input.signals.find((s) => s.at >= crossing.at && s.level !== ThrottleLevel.THROTTLE_LEVEL_OK);
  const resumed = throttled && input.signals.find((s) => s.at > throttled.at && s.level === ThrottleLevel.THROTTLE_LEVEL_OK);
  const resumedAt = resumed?.at ?? Number.POSITIVE_INFINITY;
  const before = input.tenantStarts.filter((t) => t < resumedAt);
  const lastStartBeforeResume = before.length > 0 ? Math.max(...before) : undefined;
  const startsWhileThrottled = throttled
    ? input.tenantStarts.filter((t) => t > throttled.at + input.sampleIntervalMs && t < resumedAt).length
    : 0;
  return {
    crossedAt: crossing.at,
    throttledAt: throttled?.at,
    resumedAt: resumed?.at,
    lastStartBeforeResume,
    reactionMs: lastStartBeforeResume === undefined ? undefined : Math.max(0, lastStartBeforeResume - crossing.at),
    startsWhileThrottled,
  };
}

/** Tenant starts per second over [from, to), as [seconds since `from`, starts] points. */
export function startsPerSecond(starts: number[], from: number, to: number): Array<[number, number]> {
  const seconds = Math.max(1, Math.ceil((to - from) / 1000));
  const counts = new Array<number>(seconds).fill(0);
  for (const t of starts) {
    const index = Math.floor((t - from) / 1000);
    if (index >= 0 && index < seconds) counts[index] += 1;
  }
  return counts.map((count, i) => [i + 0.5, count]);
}
