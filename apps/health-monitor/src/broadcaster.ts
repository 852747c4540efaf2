import { ThrottleSignal } from '@fleetshift/contracts';
import { decodeMessage, encodeMessage, type BusNames } from '@fleetshift/bus';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/** Where a ThrottleSignal goes: NATS (subject + KV bucket), and in-process watchers. */
export interface SignalSink {
  publish(signal: ThrottleSignal): Promise<void>;
}

/**
 * Publishes each signal on `<ns>.throttle.<cluster>` and keeps it as the last value under the cluster
 * id in the `<ns>_throttle` KV bucket, so that a new executor knows the state at once.
 */
export function natsBroadcaster(nc: NatsConnection, kv: KV, names: BusNames): SignalSink {
  return {
    async publish(signal) {
      const bytes = encodeMessage(ThrottleSignal, signal);
      nc.publish(names.throttleSubject(signal.clusterId), bytes);
      await kv.put(signal.clusterId, bytes);
    },
  };
}

/**
 * The highest sequence already in the bucket, so that a restarted monitor continues above it and
 * "sequence increases with every signal" holds across restarts.
 */
export async function lastSequenceInBucket(kv: KV): Promise<number> {
  let highest = 0;
  const keys = await kv.keys();
  for await (const key of keys) {
    const entry = await kv.get(key);
    if (!entry || entry.value.length === 0) continue;
    try {
      highest = Math.max(highest, decodeMessage(ThrottleSignal, entry.value).sequence);
    } catch {
      // Not a ThrottleSignal: ignore it.
    }
  }
  return highest;
}
