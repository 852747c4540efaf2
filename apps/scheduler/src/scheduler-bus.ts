import { jetstream } from '@nats-io/jetstream';
import { busNames, connectBus, ensureStreams, openRolloutBucket, openThrottleBucket, PlanStore } from '@fleetshift/bus';
import type { SchedulerBus } from './context.js';

/** Connects to NATS and makes sure the streams and buckets the scheduler uses exist. */
export async function openSchedulerBus(url: string, namespace: string, name = 'scheduler'): Promise<SchedulerBus> {
  const nc = await connectBus(url, name);
  const names = busNames(namespace);
  const jsm = await ensureStreams(nc, names);
  const [rollouts, throttles] = await Promise.all([openRolloutBucket(nc, names), openThrottleBucket(nc, names)]);
  return { nc, js: jetstream(nc), jsm, names, rollouts, throttles, plans: new PlanStore(nc, names) };
}
