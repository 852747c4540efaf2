import { ThrottleLevel, type ThrottleSignal } from '@fleetshift/contracts';

/** One throttle signal of a cluster as a chart point. */
export interface ClusterPoint {
  /** When the monitor sampled the cluster (ms since the epoch). */
  t: number;
  /** The cluster's CPU in percent; null when the source gives none (or could not be read). */
  cpu: number | null;
  /** Tenants at once on the cluster (0: no limit beyond the connection budget). */
  pace: number;
  /** THROTTLE_LEVEL_OK | _THROTTLED | _CRITICAL. */
  level: string;
}

/** The chart point of a signal: CPU from the `cpu_percent` sample, when available. */
export function pointOf(signal: ThrottleSignal, receivedAt = Date.now()): ClusterPoint {
  const cpu = signal.signals.find((sample) => sample.name === 'cpu_percent' && sample.available);
  return {
    t: signal.sampledAt ? signal.sampledAt.getTime() : receivedAt,
    cpu: cpu ? cpu.value : null,
    pace: signal.pace,
    level: ThrottleLevel[signal.level] ?? String(signal.level),
  };
}

/**
 * The last `capacity` points of each cluster, oldest first. A point older than the newest one kept (a
 * signal replayed after a reconnect) is dropped, so that each series stays ordered in time.
 */
export class ClusterHistory {
  private readonly series = new Map<string, ClusterPoint[]>();

  constructor(private readonly capacity: number) {}

  /** Adds a point; false when it was older than (or as old as) the newest kept. */
  add(clusterId: string, point: ClusterPoint): boolean {
    let points = this.series.get(clusterId);
    if (!points) this.series.set(clusterId, (points = []));
    const newest = points.at(-1);
    if (newest && point.t <= newest.t) return false;
    points.push(point);
    if (points.length > this.capacity) points.splice(0, points.length - this.capacity);
    return true;
  }

  points(clusterId: string): ClusterPoint[] {
    return [...(this.series.get(clusterId) ?? [])];
  }

  all(): Record<string, ClusterPoint[]> {
    return Object.fromEntries([...this.series].map(([id, points]) => [id, [...points]]));
  }
}
