import { RolloutState, TenantRolloutState, type Cluster } from '@fleetshift/contracts';
import { BatchJob } from '@fleetshift/contracts';
import { encodeMessage } from '@fleetshift/bus';
import {
  closeFinishedBatches,
  getCluster,
  getRollout,
  listBatches,
  markBatchPublished,
  moveBatchTenants,
  setRolloutState,
  withTransaction,
  type Queryable,
} from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { batchMessageId, buildBatchJob } from './batch-job.js';
import { canaryBreach, completion } from './rollout-outcome.js';
import { currentThrottles } from './throttles.js';

export interface PumpOutcome {
  published: number;
  /** The rollout's new state when this pump changed it (the caller writes the control KV). */
  newState?: RolloutState;
  /** Clusters skipped because they are throttled. */
  throttledClusters: string[];
  /** The rollout was RUNNING when this step began. */
  running: boolean;
}

/**
 * One step of a RUNNING rollout, under a lock on its row (two schedulers never publish the same batch):
 * close batches whose tenants are all final, halt on a failed canary, finish the rollout when every
 * tenant is final, else publish pending batches while fewer than max_batches_in_flight are unfinished —
 * only batch 1 while a canary runs, and none for a throttled cluster.
 */
export async function pumpRollout(ctx: SchedulerContext, rolloutId: string): Promise<PumpOutcome> {
  return withTransaction(ctx.pool, async (client) => {
    const outcome: PumpOutcome = { published: 0, throttledClusters: [], running: false };
    const rollout = await getRollout(client, rolloutId, { forUpdate: true, summary: false });
    if (!rollout || rollout.state !== RolloutState.ROLLOUT_STATE_RUNNING) return outcome;
    outcome.running = true;

    for (const closed of await closeFinishedBatches(client, rolloutId)) {
      const reason = await canaryBreach(client, rollout, closed);
      if (reason) return halt(client, rolloutId, reason, outcome);
    }
    const done = await completion(client, rollout);
    if (done) {
      await setRolloutState(client, rolloutId, done.state, [RolloutState.ROLLOUT_STATE_RUNNING], done.reason);
      return { ...outcome, newState: done.state };
    }

    const batches = await listBatches(client, rolloutId, ['pending', 'published', 'done']);
    let inFlight = batches.filter((b) => b.state === 'published').length;
    const canaryOpen = rollout.canary && batches.some((b) => b.batchNumber === 1 && b.state !== 'done');
    const pending = batches.filter((b) => b.state === 'pending' && (!canaryOpen || b.batchNumber === 1));
    if (!pending.length || inFlight >= rollout.maxBatchesInFlight) return outcome;

    const throttled = new Set((await currentThrottles(ctx, pending.map((b) => b.clusterId))).map((t) => t.clusterId));
    outcome.throttledClusters = [...throttled];
    const clusters = new Map<string, Cluster>();
    for (const batch of pending) {
      if (inFlight >= rollout.maxBatchesInFlight) break;
      if (throttled.has(batch.clusterId)) continue;
      if (!clusters.has(batch.clusterId)) clusters.set(batch.clusterId, (await getCluster(client, batch.clusterId))!);
      const built = await buildBatchJob(client, ctx.bus.plans, rollout, clusters.get(batch.clusterId)!, batch);
      await markBatchPublished(client, rolloutId, batch.batchNumber);
      if (!built) continue; // every tenant of it is final already: it closes on the next step
      await ctx.bus.js.publish(ctx.bus.names.batchSubject(batch.clusterId), encodeMessage(BatchJob, built.job), {
        msgID: batchMessageId(rolloutId, batch.batchNumber, batch.attempt),
      });
      await moveBatchTenants(client, rolloutId, batch.batchNumber, [TenantRolloutState.TENANT_ROLLOUT_STATE_PENDING], TenantRolloutState.TENANT_ROLLOUT_STATE_QUEUED, true, batch.attempt);
      ctx.metrics?.batchesPublished.inc({ cluster_id: batch.clusterId });
      ctx.logger.info(
        { rolloutId, batch: batch.batchNumber, attempt: batch.attempt, clusterId: batch.clusterId, tenants: built.tenantIds.length },
        'batch published',
      );
      inFlight++;
      outcome.published++;
    }
    return outcome;
  });
}

async function halt(client: Queryable, rolloutId: string, reason: string, outcome: PumpOutcome): Promise<PumpOutcome> {
  await setRolloutState(client, rolloutId, RolloutState.ROLLOUT_STATE_HALTED, [RolloutState.ROLLOUT_STATE_RUNNING], reason);
  return { ...outcome, newState: RolloutState.ROLLOUT_STATE_HALTED };
}
