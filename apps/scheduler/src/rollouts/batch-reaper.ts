import { RolloutState } from '@fleetshift/contracts';
import { batchMessagesInStream, ensureClusterConsumer, ensureStreams, resultProgress } from '@fleetshift/bus';
import { getCluster, getRollout, overdueBatches, requeueLostBatch, withTransaction } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { rolloutDefaults, type RecoverySettings } from '../defaults.js';
import { batchMessagePrefix } from './batch-job.js';

/**
 * One pass of the reaper over a RUNNING rollout, under the lock on its row: a published batch with
 * tenants still queued/running that has heard nothing for longer than the overdue bound, and of which no
 * publication (any attempt, or an executor's continuation of one) is left in the batch stream — purged,
 * or lost with a NATS restart without a file store — goes back to pending with the next attempt; the
 * next pump publishes it (message id `<rollout>:<batch>:<attempt>`). Tenants a lost run had finished
 * are reported again from the executor's ledger without running, and reports of the lost attempt no
 * longer move a tenant. A silent batch still in the stream is only waiting its turn: left alone.
 *
 * A batch gone from the stream may also be one an executor finished and acked whose results still wait
 * in the results stream for a scheduler that is behind (a loaded machine). So a missing batch is first
 * only suspected, with the results stream's last sequence at that moment (`suspects`, kept by the caller
 * across passes); it is published again on a later pass only if it is still overdue and missing once the
 * scheduler has applied every result up to that sequence — the executor publishes a batch's results
 * before it acks the batch, so by then any result of that batch has moved its tenants. Without this, a
 * scheduler that applies results slower than the overdue bound republished batches whose results
 * were on their way, ignored those results as an earlier attempt's, and never finished.
 * Returns the batch numbers published again.
 */
export async function reapLostBatches(
  ctx: SchedulerContext,
  rolloutId: string,
  bound: Pick<RecoverySettings, 'batchOverdueMs' | 'batchOverduePerTenantMs' | 'maxDeliver'>,
  suspects: Map<string, number>,
): Promise<number[]> {
  const missing = new Set<string>();
  try {
    return await withTransaction(ctx.pool, async (client) => {
      const rollout = await getRollout(client, rolloutId, { forUpdate: true });
      if (!rollout || rollout.state !== RolloutState.ROLLOUT_STATE_RUNNING) return [];
      // Read before the overdue batches: a result applied after this read shows in them.
      const { applied } = await resultProgress(ctx.bus.jsm, ctx.bus.names);
      const overdue = await overdueBatches(client, rolloutId, { overdueMs: bound.batchOverdueMs, perTenantMs: bound.batchOverduePerTenantMs });
      // What is left in the stream, read once per cluster for this pass.
      const inStream = new Map<string, string[]>();
      const requeued: number[] = [];
      for (const batch of overdue) {
        if (!inStream.has(batch.clusterId)) {
          inStream.set(batch.clusterId, (await batchMessagesInStream(ctx.bus.jsm, ctx.bus.names, batch.clusterId)).map((m) => m.msgId));
        }
        const prefix = batchMessagePrefix(rolloutId, batch.batchNumber);
        if (inStream.get(batch.clusterId)!.some((msgId) => msgId.startsWith(prefix))) continue;
        const key = `${prefix}${batch.attempt}`;
        missing.add(key);
        const publishedBefore = suspects.get(key);
        if (publishedBefore === undefined) {
          // Read after the stream: every result of this batch was published before its message left it.
          suspects.set(key, (await resultProgress(ctx.bus.jsm, ctx.bus.names)).published);
          continue;
        }
        if (applied < publishedBefore) continue; // results that may be this batch's are still queued
        const attempt = await requeueLostBatch(client, rolloutId, batch.batchNumber, batch.attempt);
        if (attempt === undefined) continue;
        await ensureBusFor(ctx, batch.clusterId, bound.maxDeliver);
        ctx.metrics?.batchesRepublished.inc({ cluster_id: batch.clusterId });
        ctx.logger.warn(
          { rolloutId, batch: batch.batchNumber, clusterId: batch.clusterId, lostAttempt: batch.attempt, attempt, openTenants: batch.openTenants, silentMs: batch.silentMs },
          'batch lost from the stream (no result, no message left): publishing it again',
        );
        requeued.push(batch.batchNumber);
      }
      return requeued;
    });
  } finally {
    // Suspicions of batches that moved on (a result came, or published again) end here.
    for (const key of suspects.keys()) if (key.startsWith(`${rolloutId}:`) && !missing.has(key)) suspects.delete(key);
  }
}

/**
 * The streams and the cluster's consumer exist before a lost batch is published again (a NATS restart
 * without a file store loses them too). A missing consumer is made as registration makes it (sized
 * from the cluster's connection budget); an existing one is left as it is.
 */
async function ensureBusFor(ctx: SchedulerContext, clusterId: string, maxDeliver: number): Promise<void> {
  await ensureStreams(ctx.bus.nc, ctx.bus.names);
  const exists = await ctx.bus.jsm.consumers.info(ctx.bus.names.batchStream, ctx.bus.names.clusterConsumer(clusterId)).then(
    () => true,
    () => false,
  );
  if (exists) return;
  const cluster = await getCluster(ctx.pool, clusterId);
  if (!cluster) return;
  await ensureClusterConsumer(ctx.bus.jsm, ctx.bus.names, clusterId, {
    connectionBudget: cluster.connectionBudget,
    tenantConcurrency: rolloutDefaults.tenantConcurrency,
    maxDeliver,
  });
}
