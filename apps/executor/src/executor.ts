import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { BusNames, ClusterConsumer } from '@fleetshift/bus';
import type { Logger } from '@fleetshift/telemetry';
import { runBatch, type BatchWorkerDeps } from './batch/run-batch.js';
import { discoverClusters } from './batch/cluster-discovery.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExecutorLoopOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: BusNames;
  logger: Logger;
  discoveryIntervalMs: number;
  /** ack_wait of consumers this executor creates itself. */
  ackWaitMs: number;
  /** Pull loops (so batches in hand at once) per cluster. */
  batchesPerCluster: number;
  batch: Omit<BatchWorkerDeps, 'stopping'>;
}

/**
 * The executor's pull loops: per cluster consumer (re-discovered periodically) up to
 * batchesPerCluster loops (never more than its max_ack_pending), each pulling one batch at a time, and
 * only while its cluster is OK — a throttled cluster's batches stay in the queue.
 * stop() (SIGTERM): pull nothing more, let the batches in hand finish their tenants in hand and return
 * their rest to the queue, then resolve.
 */
export class ExecutorLoop {
  readonly #stopping = new AbortController();
  readonly #pullers = new Map<string, Promise<void>>();
  #discovery?: Promise<void>;

  constructor(private readonly options: ExecutorLoopOptions) {}

  start(): void {
    this.#discovery = this.#discover();
  }

  async stop(): Promise<void> {
    this.#stopping.abort('executor stopping');
    await this.#discovery;
    await Promise.all(this.#pullers.values());
  }

  async #discover(): Promise<void> {
    const { logger } = this.options;
    while (!this.#stopping.signal.aborted) {
      try {
        const clusters = await discoverClusters(this.options.jsm, this.options.names, this.options.ackWaitMs);
        for (const cluster of clusters) {
          if (this.#pullers.has(cluster.clusterId)) continue;
          logger.info({ clusterId: cluster.clusterId, consumer: cluster.name, maxAckPending: cluster.maxAckPending }, 'pulling batches of cluster');
          const loops = Array.from({ length: Math.max(1, Math.min(this.options.batchesPerCluster, cluster.maxAckPending)) }, () => this.#pull(cluster));
          this.#pullers.set(cluster.clusterId, Promise.all(loops).then(() => undefined));
        }
      } catch (error) {
        logger.warn({ err: error }, 'cluster discovery failed; retrying');
      }
      await sleep(this.options.discoveryIntervalMs, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
    }
  }

  async #pull(cluster: ClusterConsumer): Promise<void> {
    const { js, names, logger, batch } = this.options;
    const stopping = this.#stopping.signal;
    let heldFor: string | undefined;
    while (!stopping.aborted) {
      try {
        if (!batch.board.canStart(cluster.clusterId)) {
          const reason = batch.board.describe(cluster.clusterId);
          if (reason !== heldFor) logger.info({ clusterId: cluster.clusterId, reason }, 'cluster not OK: not pulling its batches');
          heldFor = reason;
          await batch.board.waitUntilOk(cluster.clusterId, 1_000, stopping);
          continue;
        }
        if (heldFor) logger.info({ clusterId: cluster.clusterId }, 'cluster OK: pulling its batches again');
        heldFor = undefined;
        const consumer = await js.consumers.get(names.batchStream, cluster.name);
        const message = await consumer.next({ expires: 1_000 });
        if (!message) continue;
        if (stopping.aborted) {
          message.nak();
          break;
        }
        const info = await consumer.info(true).catch(() => undefined);
        const maxAckPending = info?.config.max_ack_pending ?? cluster.maxAckPending;
        const ackWaitMs = info?.config.ack_wait ? Math.round(info.config.ack_wait / 1e6) : cluster.ackWaitMs;
        try {
          await runBatch(message, maxAckPending, ackWaitMs, { ...batch, stopping });
        } catch (error) {
          logger.error({ err: error, clusterId: cluster.clusterId }, 'batch failed; returned to the queue');
          message.nak(batch.nakDelayMs);
        }
      } catch (error) {
        if (stopping.aborted) break;
        logger.warn({ err: error, clusterId: cluster.clusterId }, 'pulling batches failed; retrying');
        await sleep(1_000, undefined, { signal: stopping }).catch(() => undefined);
      }
    }
  }
}
