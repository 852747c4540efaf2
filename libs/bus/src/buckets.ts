import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusNames } from './bus-names.js';

/** KV bucket with the last ThrottleSignal of each cluster (key: cluster id). */
export function openThrottleBucket(nc: NatsConnection, names: BusNames): Promise<KV> {
  return new Kvm(nc).create(names.throttleBucket, { history: 1 });
}

/** KV bucket with the RolloutControl of each rollout (key: rollout id). */
export function openRolloutBucket(nc: NatsConnection, names: BusNames): Promise<KV> {
  return new Kvm(nc).create(names.rolloutBucket, { history: 1 });
}

/** KV bucket of the pace limiter: one entry per cluster with the executors' tenants in flight. */
export function openPaceBucket(nc: NatsConnection, names: BusNames): Promise<KV> {
  return new Kvm(nc).create(names.paceBucket, { history: 1 });
}

/**
 * KV bucket of the health monitor's manual overrides: one ManualThrottle per cluster (key: cluster id),
 * so that an operator's THROTTLE or RELEASE outlives a restart of the monitor.
 */
export function openOverrideBucket(nc: NatsConnection, names: BusNames): Promise<KV> {
  return new Kvm(nc).create(names.overrideBucket, { history: 1 });
}
