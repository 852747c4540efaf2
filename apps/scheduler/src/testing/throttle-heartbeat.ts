import { randomUUID } from 'node:crypto';
import { ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import { encodeMessage } from '@fleetshift/bus';
import type { SchedulerBus } from '../context.js';

/**
 * Plays the health monitor for tests that are not about throttling: keeps a fresh signal of the given
 * level for each cluster in the throttle KV bucket (executors treat a missing or stale one as THROTTLED).
 */
export function startThrottleHeartbeat(bus: SchedulerBus, clusterIds: string[], intervalMs = 500): { set(level: ThrottleLevel): void; stop(): void } {
  let level = ThrottleLevel.THROTTLE_LEVEL_OK;
  let sequence = 0;
  // Each heartbeat is a monitor run of its own: readers order by sequence within an epoch only.
  const monitorEpoch = randomUUID();
  const beat = () => {
    for (const clusterId of clusterIds) {
      const signal = ThrottleSignal.fromPartial({
        clusterId,
        level,
        cause: level === ThrottleLevel.THROTTLE_LEVEL_OK ? '' : 'manual',
        reason: 'test heartbeat',
        sampledAt: new Date(),
        sampleIntervalMs: intervalMs,
        heartbeat: true,
        sequence: ++sequence,
        monitorEpoch,
      });
      void bus.throttles.put(clusterId, encodeMessage(ThrottleSignal, signal)).catch(() => undefined);
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  return {
    set: (next) => {
      level = next;
      beat();
    },
    stop: () => clearInterval(timer),
  };
}
