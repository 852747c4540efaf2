import { setTimeout as sleep } from 'node:timers/promises';
import type { JsMsg } from '@nats-io/jetstream';
import { BatchJob, type TenantTask } from '@fleetshift/contracts';
import { decodeMessage, type PaceLease, type PaceLimiter } from '@fleetshift/bus';
import type { SessionSafety } from '@fleetshift/tenant-connection';
import { BatchProgress } from './batch-progress.js';
import type { PlanCache } from './plan-cache.js';
import { connectionsPerBatch } from './connection-budget.js';
import { ConnectionSlot } from '../tenant/connection-slot.js';
import { executorApplicationName, databaseKey } from '../tenant/tenant-connection.js';
import type { RolloutControlCache } from '../control/rollout-control.js';
import type { ThrottleBoard } from '../pace/throttle-gate.js';
import { runTenant, type TenantRunDeps } from '../tenant/run-tenant.js';

export interface BatchWorkerDeps extends Omit<TenantRunDeps, 'plans'> {
  /** Plans by id from the plans bucket, cached (docs/adr/0009-plans-by-reference.md). */
  planCache: PlanCache;
  board: ThrottleBoard;
  rollouts: RolloutControlCache;
  /** Aborted on SIGTERM: tenants in hand finish, the rest of the batch goes back to the queue. */
  stopping: AbortSignal;
  /** How long to hold a batch while its cluster is throttled or its rollout paused, before returning it. */
  holdMs: number;
  nakDelayMs: number;
  connectTimeoutMs: number;
  /**
   * Publishes the unfinished rest of a batch back on its cluster subject (message id given, so a retried
   * publish is deduplicated). Without it a partly done batch is NAKed whole.
   */
  requeue?: (job: BatchJob, msgId: string) => Promise<void>;
  /**
   * The cluster-wide bound the pace sets: each tenant takes a place before it starts and gives it back
   * when it ends. Without it (or while a signal gives no pace) only the connection budget bounds a cluster.
   */
  pace?: PaceLimiter;
  /**
   * In-progress acks stop when a tenant in hand made no progress for this long (see batch-progress.ts);
   * the batch is then redelivered after ack_wait. Default: 60 s.
   */
  stallMs?: number;
  /** Settings that let the server end this process's sessions should it freeze (default: the library's). */
  sessionSafety?: SessionSafety;
  /** What runs one tenant: runTenant, or the stand-in of simulation mode (simulation/simulated-tenant.ts). */
  tenantRunner?: typeof runTenant;
}

export interface BatchOutcome {
  acked: boolean;
  reported: number;
  deferred: number;
  reason?: string;
}

/**
 * Runs one delivered batch: its tenants with min(tenant_concurrency, budget share) connections, each
 * tenant started only while its rollout is RUNNING and its cluster OK; in-progress acks keep the batch
 * while it runs or waits. When every tenant is reported the batch is acked. Otherwise (SIGTERM, throttle
 * or pause longer than the hold time, a CRITICAL cancel, a tenant locked by another executor) the
 * tenants not reported go back to the queue: as a continuation batch when some were reported, else by a
 * NAK with delay. Should a batch be delivered again anyway (executor killed), the tenants already done
 * are no-ops there (fleetshift.applied_versions: this rollout's row → reported again, nothing runs).
 */
export async function runBatch(message: JsMsg, maxAckPending: number, ackWaitMs: number, deps: BatchWorkerDeps): Promise<BatchOutcome> {
  const job = decodeMessage(BatchJob, message.data);
  // Names this delivery of this message (a continuation is another message): part of result message ids.
  const delivery = `${message.seq}.${message.info.deliveryCount}`;
  const log = deps.logger.child({ rolloutId: job.rolloutId, batch: job.batchNumber, clusterId: job.clusterId, delivery });
  const connections = connectionsPerBatch(job, maxAckPending);
  log.info({ tenants: job.tasks.length, connections, budget: job.clusterConnectionBudget, maxAckPending }, 'batch started');

  const progress = new BatchProgress(deps.stallMs ?? 60_000);
  let stallReported = false;
  const heartbeat = setInterval(() => {
    if (!progress.stalled()) {
      stallReported = false;
      message.working();
      return;
    }
    // Alive but stuck: no in-progress ack, so that ack_wait hands the batch to another executor.
    if (!stallReported) log.warn({ stalledMs: Math.round(progress.stalledForMs()), stallMs: progress.stallMs }, 'no progress: in-progress acks stopped');
    stallReported = true;
  }, Math.max(500, Math.floor(ackWaitMs / 3)));
  // The batch names its plans by id: fetched (or taken from the cache) and checked against the id before any
  // tenant starts. A plan the bucket lacks or has corrupt fails its tenants with the reason; NATS not
  // answering throws, and the executor loop NAKs the batch (a failed delivery, counted by max_deliver).
  let plans: Awaited<ReturnType<PlanCache['resolve']>>;
  try {
    plans = await deps.planCache.resolve(job.tasks.map((t) => t.planKey));
  } catch (error) {
    clearInterval(heartbeat);
    throw error;
  }
  // Tenants of the same database next to each other: a slot's connection serves them one after another.
  const queue: TenantTask[] = [...job.tasks].sort((a, b) => compare(a.target ? databaseKey(a.target) : '', b.target ? databaseKey(b.target) : ''));
  let reported = 0;
  /** Tenants put back because a step kept losing its lock: they carry a count, so they go back as a continuation. */
  let lockDeferred = 0;
  const deferred: TenantTask[] = [];
  let returnReason: string | undefined;
  const returnRest = (reason: string) => {
    returnReason ??= reason;
    deferred.push(...queue.splice(0));
  };

  // A deliberate wait inside a tenant's run (its cluster must be OK before a lock-timeout retry) is not a stall.
  const clusterReady = async (clusterId: string) => {
    progress.leave();
    try {
      return await deps.board.waitUntilOk(clusterId, deps.holdMs, deps.stopping);
    } finally {
      progress.enter();
    }
  };

  /** A place under the cluster's pace (undefined: no pace in force), or why none was taken. */
  const takePlace = async (holder: string): Promise<PaceLease | undefined | 'not-ok' | 'stopping'> => {
    if (!deps.pace || deps.board.pace(job.clusterId) === 0) return undefined;
    const waitStarted = performance.now();
    const lease = await deps.pace.acquire(job.clusterId, holder, () => deps.board.pace(job.clusterId) || Number.MAX_SAFE_INTEGER, {
      signal: deps.stopping,
      keepWaiting: () => deps.board.canStart(job.clusterId),
    });
    deps.metrics?.paceWaitSeconds.inc({ cluster: job.clusterId }, (performance.now() - waitStarted) / 1000);
    if (lease) return lease;
    return deps.stopping.aborted ? 'stopping' : 'not-ok';
  };

  const worker = async (workerIndex: number) => {
    const holder = `${deps.settings.executorId}/${delivery}/${workerIndex}`;
    const slot = new ConnectionSlot(
      executorApplicationName(deps.settings.executorId),
      deps.connectTimeoutMs,
      (reused) => deps.metrics?.connectionsOpened.inc({ reused: String(reused) }),
      deps.sessionSafety,
    );
    try {
      for (let task = queue.shift(); task; task = queue.shift()) {
        if (deps.stopping.aborted) {
          queue.unshift(task);
          returnRest('executor stopping');
          break;
        }
        let gate = deps.rollouts.gate(job.rolloutId);
        if (gate === 'wait') gate = await deps.rollouts.waitUntilDecided(job.rolloutId, deps.holdMs, deps.stopping);
        if (gate === 'wait') {
          queue.unshift(task);
          returnRest(deps.rollouts.describe(job.rolloutId));
          break;
        }
        // CANCELLED, HALTED, …: no tenant starts, but one this rollout left part-way through its plan
        // (a CRITICAL cancel, a killed executor) is finished, so each tenant ends at the old or the new
        // version, never between. runTenant decides under the tenant lock; the others are reported CANCELLED.
        const finishOnly = gate === 'cancel' ? deps.rollouts.describe(job.rolloutId) : undefined;
        if (!deps.board.canStart(job.clusterId)) {
          const waitStarted = performance.now();
          log.info({ reason: deps.board.describe(job.clusterId) }, 'cluster not OK: no new tenant starts');
          const ok = await deps.board.waitUntilOk(job.clusterId, deps.holdMs, deps.stopping);
          deps.metrics?.throttledWaitSeconds.inc({ cluster: job.clusterId }, (performance.now() - waitStarted) / 1000);
          if (!ok) {
            queue.unshift(task);
            returnRest(deps.stopping.aborted ? 'executor stopping' : deps.board.describe(job.clusterId));
            break;
          }
          // Re-check the rollout after the wait.
          queue.unshift(task);
          continue;
        }
        const place = await takePlace(holder);
        if (place === 'not-ok') {
          // The cluster turned not OK while this worker waited for a place: back to the gates.
          queue.unshift(task);
          continue;
        }
        if (place === 'stopping') {
          queue.unshift(task);
          returnRest('executor stopping');
          break;
        }
        const critical = deps.board.criticalSignal(job.clusterId);
        progress.enter();
        try {
          const outcome = await (deps.tenantRunner ?? runTenant)(job, task, slot, delivery, { ...deps, plans, clusterReady, onProgress: () => progress.mark() }, critical.signal, { finishOnly });
          if (outcome.kind === 'reported') reported++;
          else if (outcome.lockContended) {
            deferred.push({ ...task, lockDeferrals: task.lockDeferrals + 1 });
            lockDeferred++;
            returnReason ??= outcome.reason;
          } else {
            deferred.push(task);
            returnReason ??= outcome.reason;
          }
        } finally {
          progress.leave();
          critical.release();
          await place?.release().catch((error: unknown) => log.warn({ err: error }, 'cannot give back a pace place; it expires by itself'));
        }
      }
    } finally {
      await slot.close();
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(connections, Math.max(1, queue.length)) }, (_, index) => worker(index)));
  } finally {
    clearInterval(heartbeat);
  }

  if (deferred.length === 0) {
    await message.ackAck().catch(() => message.ack());
    deps.metrics?.batches.inc({ outcome: 'acked' });
    log.info({ reported }, 'batch done: acked');
    return { acked: true, reported, deferred: 0 };
  }
  // The rest goes back as a continuation (same rollout, batch and attempt, only the tenants not done), and
  // this delivery is acked — a tenant reported once is never run again by a redelivery, and a tenant put
  // back for its lock carries its count of deferrals. A batch returned whole (paused, throttled, a tenant
  // locked elsewhere, stopping) goes back the same way after the NAK delay, not by a NAK: it is not a
  // failed delivery, and the consumer's max_deliver must count only those (a batch that throws or kills
  // its executor), else a long pause would get a healthy batch dead-lettered.
  if (deps.requeue) {
    try {
      if (reported === 0 && lockDeferred === 0 && !deps.stopping.aborted) {
        message.working();
        await sleep(deps.nakDelayMs, undefined, { signal: deps.stopping }).catch(() => undefined);
      }
      await deps.requeue({ ...job, tasks: deferred }, `${job.rolloutId}:${job.batchNumber}:${job.attempt}:rest-${message.seq}`);
      await message.ackAck().catch(() => message.ack());
      deps.metrics?.batches.inc({ outcome: 'returned' });
      log.info({ reported, deferred: deferred.length, reason: returnReason, continuation: true }, 'batch returned to the queue');
      return { acked: true, reported, deferred: deferred.length, reason: returnReason };
    } catch (error) {
      log.warn({ err: error }, 'cannot publish the continuation of a batch: returning the whole batch');
    }
  }
  const delay = deps.stopping.aborted ? 0 : deps.nakDelayMs;
  message.nak(delay);
  deps.metrics?.batches.inc({ outcome: 'returned' });
  log.info({ reported, deferred: deferred.length, reason: returnReason, delayMs: delay }, 'batch returned to the queue');
  return { acked: false, reported, deferred: deferred.length, reason: returnReason };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
