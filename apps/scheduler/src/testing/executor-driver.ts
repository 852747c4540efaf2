import { BatchJob, TenantResult, TenantRolloutState, type Plan, type TenantRolloutState as State } from '@fleetshift/contracts';
import { decodeMessage, encodeMessage } from '@fleetshift/bus';
import type { SchedulerBus } from '../context.js';

/**
 * Plays the executor's part on the real bus for tests that check the scheduler alone: pulls published
 * batches from a cluster's durable consumer, and publishes tenant results on the results subject.
 */
export class ExecutorDriver {
  constructor(private readonly bus: SchedulerBus) {}

  /** Pulls (and acks) up to `max` batches of a cluster, waiting at most `expiresMs` for them. */
  async pull(clusterId: string, max: number, expiresMs = 1000): Promise<BatchJob[]> {
    const consumer = await this.bus.js.consumers.get(this.bus.names.batchStream, this.bus.names.clusterConsumer(clusterId));
    const jobs: BatchJob[] = [];
    const messages = await consumer.fetch({ max_messages: max, expires: expiresMs });
    for await (const message of messages) {
      jobs.push(decodeMessage(BatchJob, message.data));
      message.ack();
    }
    return jobs;
  }

  async report(job: BatchJob, tenantId: string, state: State, extra: Partial<TenantResult> = {}): Promise<TenantResult> {
    const result = TenantResult.fromPartial({
      rolloutId: job.rolloutId,
      batchNumber: job.batchNumber,
      attempt: job.attempt,
      tenantId,
      state,
      executorId: 'driver',
      targetVersion: job.targetVersion,
      fingerprint: state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED ? (await this.planOf(job, tenantId))?.toFingerprint || 'target' : '',
      startedAt: new Date(1_700_000_000_000),
      finishedAt: state === TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING ? undefined : new Date(1_700_000_001_000),
      ...extra,
    });
    await this.publish(result);
    return result;
  }

  /** The plan a batch gives one of its tenants (what an executor applies to it), fetched by its id as an executor does. */
  async planOf(job: BatchJob, tenantId: string): Promise<Plan | undefined> {
    const task = job.tasks.find((t) => t.tenantId === tenantId);
    return task ? this.bus.plans.fetch(task.planKey) : undefined;
  }

  async publish(result: TenantResult): Promise<void> {
    await this.bus.js.publish(this.bus.names.resultSubject(result.rolloutId), encodeMessage(TenantResult, result));
  }

  /** RUNNING then SUCCEEDED (or the given final state, with `extra` in it) for every tenant of a batch. */
  async complete(
    job: BatchJob,
    final: State = TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED,
    failing: string[] = [],
    extra: Partial<TenantResult> = {},
  ): Promise<void> {
    for (const task of job.tasks) {
      await this.report(job, task.tenantId, TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING);
      if (failing.includes(task.tenantId)) {
        await this.report(job, task.tenantId, TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, { error: 'connection refused', errorCode: 'UNREACHABLE' });
      } else {
        await this.report(job, task.tenantId, final, extra);
      }
    }
  }
}


