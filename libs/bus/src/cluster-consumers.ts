import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import type { BusNames } from './bus-names.js';

/** Defaults of a cluster consumer, in one place. */
export const clusterConsumerDefaults = {
  /**
   * How long a delivered batch may go without an ack or an in-progress ack before JetStream gives it to
   * another executor. Executors send `working()` every third of it, so only a dead executor loses a batch.
   */
  ackWaitMs: 30_000,
  /** Batches of one cluster in flight at once (across every executor). */
  maxAckPending: 1,
  /**
   * Deliveries of one batch message before JetStream gives up on it and sends a MAX_DELIVERIES advisory
   * (the scheduler then dead-letters it): a batch no executor can finish is not redelivered for ever.
   */
  maxDeliver: 5,
};

export interface ClusterConsumerOptions {
  /**
   * The cluster's connection budget: together with the tenant concurrency it decides max_ack_pending,
   * so that (batches in flight) × (connections per batch) never exceeds it.
   */
  connectionBudget?: number;
  /** Connections one batch uses at most (its tenant concurrency). */
  tenantConcurrency?: number;
  /** Set max_ack_pending directly (wins over the budget). */
  maxAckPending?: number;
  ackWaitMs?: number;
  /** Deliveries of a batch before it is given up (default clusterConsumerDefaults.maxDeliver; at least 1). */
  maxDeliver?: number;
}

export interface ClusterConsumer {
  clusterId: string;
  /** Durable name, `<ns>-executors-<cluster>`. */
  name: string;
  /** Batches of this cluster that may be in flight at once, across every executor. */
  maxAckPending: number;
  ackWaitMs: number;
  maxDeliver: number;
}

/**
 * max_ack_pending for a cluster: floor(budget / per-batch connections), at least 1. Executors then run a
 * batch with min(tenant_concurrency, floor(budget / max_ack_pending)) connections, so every executor
 * together holds at most max_ack_pending × that ≤ budget connections for migrations.
 */
export function maxAckPendingFor(connectionBudget: number, tenantConcurrency: number): number {
  const perBatch = Math.max(1, tenantConcurrency);
  return Math.max(1, Math.floor(Math.max(1, connectionBudget) / perBatch));
}

/**
 * Creates (or updates) the durable pull consumer of one cluster's batches: filter `<ns>.batch.<cluster>`,
 * explicit ack, max_ack_pending from the connection budget. Idempotent; safe from several processes.
 */
export async function ensureClusterConsumer(
  jsm: JetStreamManager,
  names: BusNames,
  clusterId: string,
  options: ClusterConsumerOptions = {},
): Promise<ClusterConsumer> {
  const maxAckPending =
    options.maxAckPending ??
    (options.connectionBudget !== undefined
      ? maxAckPendingFor(options.connectionBudget, options.tenantConcurrency ?? 1)
      : clusterConsumerDefaults.maxAckPending);
  const ackWaitMs = options.ackWaitMs ?? clusterConsumerDefaults.ackWaitMs;
  const maxDeliver = checkedMaxDeliver(options.maxDeliver ?? clusterConsumerDefaults.maxDeliver);
  const name = names.clusterConsumer(clusterId);
  const config: Partial<ConsumerConfig> = {
    durable_name: name,
    filter_subject: names.batchSubject(clusterId),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1e6,
    max_ack_pending: maxAckPending,
    max_deliver: maxDeliver,
  };
  try {
    const existing = await jsm.consumers.info(names.batchStream, name);
    if (
      existing.config.max_ack_pending !== maxAckPending ||
      existing.config.ack_wait !== ackWaitMs * 1e6 ||
      existing.config.max_deliver !== maxDeliver
    ) {
      await jsm.consumers.update(names.batchStream, name, { max_ack_pending: maxAckPending, ack_wait: ackWaitMs * 1e6, max_deliver: maxDeliver });
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.consumers.add(names.batchStream, config);
    } catch (addError) {
      // Another process created it in between: fine, the config is the same.
      await jsm.consumers.info(names.batchStream, name).catch(() => {
        throw addError;
      });
    }
  }
  return { clusterId, name, maxAckPending, ackWaitMs, maxDeliver };
}

/**
 * Sets max_deliver on every cluster consumer of the batch stream that has another (consumers made before
 * it was bounded had -1, consumers an executor made have the default). Leaves max_ack_pending alone.
 * Returns the clusters whose consumer changed.
 */
export async function boundClusterDeliveries(jsm: JetStreamManager, names: BusNames, maxDeliver: number): Promise<string[]> {
  const bound = checkedMaxDeliver(maxDeliver);
  const changed: string[] = [];
  for (const consumer of await listClusterConsumers(jsm, names)) {
    if (consumer.maxDeliver === bound) continue;
    await jsm.consumers.update(names.batchStream, consumer.name, { max_deliver: bound });
    changed.push(consumer.clusterId);
  }
  return changed;
}

function checkedMaxDeliver(value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`max_deliver of a cluster consumer must be a whole number >= 1, got ${value}`);
  return value;
}

/**
 * The cluster consumers of the batch stream, found by listing its consumers (executors call this
 * periodically so that a new cluster is picked up without a restart).
 */
export async function listClusterConsumers(jsm: JetStreamManager, names: BusNames): Promise<ClusterConsumer[]> {
  const prefix = names.clusterConsumer('x').slice(0, -1);
  const subjectPrefix = names.batchSubject('x').slice(0, -1);
  const found: ClusterConsumer[] = [];
  for await (const info of jsm.consumers.list(names.batchStream)) {
    const filter = info.config.filter_subject ?? '';
    if (!info.name.startsWith(prefix) || !filter.startsWith(subjectPrefix)) continue;
    found.push({
      clusterId: filter.slice(subjectPrefix.length),
      name: info.name,
      maxAckPending: info.config.max_ack_pending ?? clusterConsumerDefaults.maxAckPending,
      ackWaitMs: Math.round((info.config.ack_wait ?? clusterConsumerDefaults.ackWaitMs * 1e6) / 1e6),
      maxDeliver: info.config.max_deliver ?? -1,
    });
  }
  return found.sort((a, b) => a.clusterId.localeCompare(b.clusterId));
}

function isNotFound(error: unknown): boolean {
  const message = String((error as Error)?.message ?? error);
  return /not found/i.test(message) || (error as { code?: unknown })?.code === 404 || (error as { api_error?: { err_code?: number } })?.api_error?.err_code === 10014;
}
