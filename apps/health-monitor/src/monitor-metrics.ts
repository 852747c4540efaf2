import { Counter, Gauge, type Registry } from 'prom-client';
import type { SignalSample, ThrottleLevel } from '@fleetshift/contracts';

/** The monitor's metrics: signal values, level (enum number: 1 OK, 2 THROTTLED, 3 CRITICAL), seconds throttled. */
export class MonitorMetrics {
  readonly #signal: Gauge<'cluster' | 'signal'>;
  readonly #level: Gauge<'cluster'>;
  readonly #throttled: Counter<'cluster'>;
  readonly #pace: Gauge<'cluster'>;

  constructor(registry: Registry) {
    this.#signal = new Gauge({
      name: 'fleetshift_cluster_signal',
      help: 'Last sampled value of a cluster signal (NaN when it could not be read)',
      labelNames: ['cluster', 'signal'],
      registers: [registry],
    });
    this.#level = new Gauge({
      name: 'fleetshift_cluster_throttle_level',
      help: 'Throttle level of a cluster: 1 OK, 2 THROTTLED, 3 CRITICAL',
      labelNames: ['cluster'],
      registers: [registry],
    });
    this.#throttled = new Counter({
      name: 'fleetshift_cluster_throttled_seconds_total',
      help: 'Seconds a cluster spent THROTTLED or CRITICAL',
      labelNames: ['cluster'],
      registers: [registry],
    });
    this.#pace = new Gauge({
      name: 'fleetshift_cluster_pace',
      help: 'Tenants the pace controller lets run at once on a cluster, across every executor',
      labelNames: ['cluster'],
      registers: [registry],
    });
  }

  record(cluster: string, signals: SignalSample[], level: ThrottleLevel, throttledSecondsAdded: number, pace: number): void {
    this.#pace.set({ cluster }, pace);
    for (const sample of signals) this.#signal.set({ cluster, signal: sample.name }, sample.available ? sample.value : Number.NaN);
    this.#level.set({ cluster }, level);
    this.#throttled.inc({ cluster }, throttledSecondsAdded);
  }

  forget(cluster: string, signalNames: string[]): void {
    for (const signal of signalNames) this.#signal.remove({ cluster, signal });
    this.#level.remove({ cluster });
    this.#throttled.remove({ cluster });
    this.#pace.remove({ cluster });
  }
}
