import { TenantResult, TenantRolloutState, type BatchJob, type TenantTask } from '@fleetshift/contracts';
import type { Logger } from '@fleetshift/telemetry';
import type { ResultPublisher } from '../batch/result-publisher.js';
import type { ExecutorMetrics } from '../executor-metrics.js';

/** A tenant either got a final report, or goes back to the queue with the rest of its batch. */
export type TenantOutcome =
  | { kind: 'reported'; state: TenantRolloutState }
  /** `lockContended`: a step kept losing its lock race; the tenant goes back to the queue for later. */
  | { kind: 'deferred'; reason: string; lockContended?: boolean };

const finalLabel: Partial<Record<TenantRolloutState, string>> = {
  [TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED]: 'succeeded',
  [TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED]: 'failed',
  [TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED]: 'skipped',
  [TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED]: 'cancelled',
};

/** How one tenant's run tells the world what happened: results on the bus, a log line, metrics. */
export interface TenantReporter {
  readonly tenantId: string;
  readonly log: Logger;
  /** The RUNNING result, published before the first step. */
  running(): Promise<void>;
  report(state: TenantRolloutState, fields?: Partial<TenantResult>): Promise<TenantOutcome>;
  fail(errorCode: string, error: string, more?: Partial<TenantResult>): Promise<TenantOutcome>;
  /** Back to the queue, unreported: nothing ran, or what ran is recorded for a resume. */
  defer(reason: string, lockContended?: boolean): TenantOutcome;
}

export interface ReporterDeps {
  executorId: string;
  publish: ResultPublisher;
  logger: Logger;
  metrics?: ExecutorMetrics;
}

export function tenantReporter(job: BatchJob, task: TenantTask, delivery: string, deps: ReporterDeps): TenantReporter {
  const log = deps.logger.child({ tenantId: task.tenantId, rolloutId: job.rolloutId, batch: job.batchNumber });
  const started = performance.now();
  const base = TenantResult.fromPartial({
    rolloutId: job.rolloutId,
    batchNumber: job.batchNumber,
    // The scheduler fences reports by batch and attempt: a late report of an earlier publication moves nothing.
    attempt: job.attempt,
    tenantId: task.tenantId,
    executorId: deps.executorId,
    targetVersion: job.targetVersion,
    startedAt: new Date(),
  });

  const report = async (state: TenantRolloutState, fields: Partial<TenantResult> = {}): Promise<TenantOutcome> => {
    const result = { ...base, ...fields, state, finishedAt: new Date() };
    await deps.publish(result, delivery);
    const label = finalLabel[state] ?? 'other';
    deps.metrics?.tenants.inc({ result: label });
    deps.metrics?.tenantSeconds.observe({ result: label }, (performance.now() - started) / 1000);
    const line = { state: TenantRolloutState[state], errorCode: result.errorCode, error: result.error, steps: result.stepsApplied, attempts: result.attempts };
    if (state === TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED) log.warn(line, 'tenant failed');
    else log.info(line, 'tenant finished');
    return { kind: 'reported', state };
  };

  return {
    tenantId: task.tenantId,
    log,
    running: () => deps.publish({ ...base, state: TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING }, delivery),
    report,
    fail: (errorCode, error, more = {}) => report(TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, { errorCode, error, ...more }),
    defer: (reason, lockContended) => {
      deps.metrics?.tenants.inc({ result: 'deferred' });
      return lockContended ? { kind: 'deferred', reason, lockContended } : { kind: 'deferred', reason };
    },
  };
}
