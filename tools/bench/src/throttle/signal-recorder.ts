import { ThrottleSignal } from '@fleetshift/contracts';
import { decodeMessage, type BusNames } from '@fleetshift/bus';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SignalPoint } from './throttle-timeline.js';

/** Records every ThrottleSignal of one cluster (level and cpu_percent) as the executors hear them. */
export function recordThrottleSignals(nc: NatsConnection, names: BusNames, clusterId: string) {
  const points: SignalPoint[] = [];
  const subscription = nc.subscribe(names.throttleSubject(clusterId), {
    callback: (error, message) => {
      if (error) return;
      const signal = decodeMessage(ThrottleSignal, message.data);
      const cpu = signal.signals.find((s) => s.name === 'cpu_percent' && s.available)?.value;
      // The monitor's sample time: a change takes effect from there (receipt times differ per process).
      points.push({ at: signal.sampledAt?.getTime() ?? Date.now(), level: signal.level, cpu });
    },
  });
  return {
    points,
    /** The points between two instants. */
    between: (from: number, to: number) => points.filter((p) => p.at >= from && p.at <= to),
    stop: () => subscription.unsubscribe(),
  };
}
