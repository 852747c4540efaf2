import { BatchJob, RolloutState } from '@fleetshift/contracts';
import { deadLetterBatch, decodeMessage, type MaxDeliveriesAdvisory } from '@fleetshift/bus';
import {
  appendTenantEvents,
  failDeadLetteredTenants,
  getRollout,
  listBatches,
  requeueLostBatch,
  setRolloutState,
  withTransaction,
} from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { parseBatchMessageId } from './batch-job.js';
import { failurePolicyBreach } from './rollout-outcome.js';

const R = RolloutState;

/** What handling one MAX_DELIVERIES advisory did. */
export interface DeadLetterEffect {
  rolloutId?: string;
  /** Tenants of the batch failed with the dead-letter reason. */
  failed: string[];
  /** The batch went back to pending (its rollout was paused or halted: the deliveries were not its fault). */
  parked: boolean;
  /** The rollout's new state when the failure policy halted it. */
  newState?: RolloutState;
}

/** The error code of a tenant whose batch was dead-lettered. */
export const deadLetteredCode = 'DEAD_LETTERED';

/**
 * Handles JetStream giving up on a batch message (max_deliver deliveries, none acked): copies it to the
 * dead-letter stream `<NS>_DEAD_BATCHES` and removes it from the queue, then — when it is still the
 * batch's current publication — fails the batch's tenants still queued/running ("batch dead-lettered
 * after N deliveries: …", code DEAD_LETTERED) and lets the failure policy decide (RetryFailed queues them
 * again). A batch of a PAUSED or HALTED rollout was returned by executors waiting for it to run again,
 * not failed: it goes back to pending and is published when the rollout runs. The rollout, batch and
 * attempt come from the message id, so a BatchJob that does not decode is dead-lettered all the same.
 */
export async function handleMaxDeliveries(ctx: SchedulerContext, advisory: MaxDeliveriesAdvisory): Promise<DeadLetterEffect> {
  const none: DeadLetterEffect = { failed: [], parked: false };
  if (advisory.stream !== ctx.bus.names.batchStream) return none;
  const stored = await ctx.bus.jsm.streams.getMessage(ctx.bus.names.batchStream, { seq: advisory.streamSeq }).catch(() => null);
  const cause = stored ? undecodable(stored.data) : undefined;
  const reason = `batch dead-lettered after ${advisory.deliveries} deliveries: ${cause ?? 'no executor acknowledged it (each delivery was returned or timed out)'}`;
  const dead = await deadLetterBatch(ctx.bus.js, ctx.bus.jsm, ctx.bus.names, advisory, reason);
  if (!dead) {
    ctx.logger.info({ streamSeq: advisory.streamSeq, consumer: advisory.consumer }, 'batch given up by JetStream is gone already (acked or purged)');
    return none;
  }
  ctx.metrics?.batchesDeadLettered.inc({ cluster_id: dead.clusterId });
  const id = parseBatchMessageId(dead.msgId) ?? fromBody(dead.data);
  if (!id) {
    ctx.logger.error({ streamSeq: advisory.streamSeq, clusterId: dead.clusterId, msgId: dead.msgId }, 'dead-lettered batch names no rollout; kept in the dead-letter stream');
    return none;
  }
  const log = ctx.logger.child({ rolloutId: id.rolloutId, batch: id.batchNumber, attempt: id.attempt, clusterId: dead.clusterId });
  return withTransaction(ctx.pool, async (client) => {
    const rollout = await getRollout(client, id.rolloutId, { forUpdate: true });
    const batch = rollout && (await listBatches(client, id.rolloutId)).find((b) => b.batchNumber === id.batchNumber);
    if (!rollout || !batch || batch.attempt !== id.attempt || batch.state !== 'published') {
      log.info({ currentAttempt: batch?.attempt, batchState: batch?.state }, 'dead-lettered an earlier publication of the batch: its tenants are not touched');
      return { ...none, rolloutId: id.rolloutId };
    }
    if (rollout.state === R.ROLLOUT_STATE_PAUSED || rollout.state === R.ROLLOUT_STATE_HALTED) {
      await requeueLostBatch(client, id.rolloutId, id.batchNumber, id.attempt);
      log.warn({ state: R[rollout.state], deliveries: advisory.deliveries }, 'batch given up while its rollout waits: published again when it runs');
      return { ...none, rolloutId: id.rolloutId, parked: true };
    }
    if (rollout.state !== R.ROLLOUT_STATE_RUNNING) return { ...none, rolloutId: id.rolloutId };
    const failed = await failDeadLetteredTenants(client, id.rolloutId, id, { message: reason, code: deadLetteredCode });
    await appendTenantEvents(client, id.rolloutId, 'failed', failed, { toVersion: rollout.version, error: reason, batchNumber: id.batchNumber });
    log.warn({ deliveries: advisory.deliveries, failed: failed.length, reason }, 'batch dead-lettered: its unfinished tenants failed');
    const breach = failed.length ? await failurePolicyBreach(client, rollout) : undefined;
    if (breach) {
      await setRolloutState(client, rollout.id, R.ROLLOUT_STATE_HALTED, [R.ROLLOUT_STATE_RUNNING], breach);
      log.warn({ reason: breach }, 'rollout halted by its failure policy');
      return { rolloutId: id.rolloutId, failed, parked: false, newState: R.ROLLOUT_STATE_HALTED };
    }
    return { rolloutId: id.rolloutId, failed, parked: false };
  });
}

/** Why a batch message does not decode, or undefined when it does. */
function undecodable(data: Uint8Array): string | undefined {
  try {
    decodeMessage(BatchJob, data);
    return undefined;
  } catch (error) {
    return `its BatchJob does not decode (${(error as Error).message})`;
  }
}

function fromBody(data: Uint8Array): { rolloutId: string; batchNumber: number; attempt: number } | undefined {
  try {
    const job = decodeMessage(BatchJob, data);
    return job.rolloutId ? { rolloutId: job.rolloutId, batchNumber: job.batchNumber, attempt: job.attempt } : undefined;
  } catch {
    return undefined;
  }
}

