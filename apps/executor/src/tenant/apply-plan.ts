import { TenantRolloutState, type Plan, type PlanStep } from '@fleetshift/contracts';
import { RunDeferred, StepFailed, runPlan, type BackoffPolicy, type RunPlanResult } from '@fleetshift/plan-runner';
import { catalogStamp } from '@fleetshift/schema';
import { recordAppliedVersion, recordCatalogStamp, recordProgress, type AppliedRecord } from '@fleetshift/tenant-ledger';
import type { ExecutorMetrics } from '../executor-metrics.js';
import { sendCancelRequest, sessionEndedForIdling, sessionLost, type TenantConnection } from './tenant-connection.js';
import type { TenantOutcome, TenantReporter } from './tenant-report.js';

export interface ApplyPlanOptions {
  connection: TenantConnection;
  plan: Plan;
  /** The tenant's schema (schema isolation), '' for a whole database. */
  tenantSchema: string;
  /** What to record in fleetshift.applied_versions with the last unit. */
  record: AppliedRecord;
  /** Units already done (fleetshift.plan_progress): resume after them. */
  startUnit: number;
  maxLockRetries: number;
  backoff: BackoffPolicy;
  /** lock_timeout for steps whose plan gives 0. */
  defaultLockTimeoutMs: number;
  /** Aborting cancels the statement in flight (protocol cancel) and stops before the next one. */
  signal?: AbortSignal;
  onLockRetry?: (step: PlanStep, retry: number, error: Error) => void;
  /** Asked before each lock-timeout retry: false defers the tenant (its cluster stayed throttled). */
  mayRetry?: () => Promise<boolean>;
  onStepDone?: (step: PlanStep, durationMs: number) => void;
}

/**
 * A rollout's plan on one tenant, through the shared plan runner, with the tenant ledger written in step
 * with it: plan_progress after each unit (inside the unit's transaction), applied_versions with the last
 * one, so that a killed executor's successor resumes where it stopped and never runs a unit twice.
 */
export async function applyPlan(options: ApplyPlanOptions): Promise<RunPlanResult> {
  const { connection, plan, record } = options;
  const client = connection.client;
  if (plan.steps.length === 0) {
    await recordAppliedVersion(client, record);
    return { stepsApplied: 0, attempts: 0, lockRetries: 0 };
  }
  const progressKey = {
    tenantSchema: options.tenantSchema,
    rolloutId: record.rolloutId,
    toFingerprint: plan.toFingerprint,
    executorId: record.executorId,
  };
  return runPlan(client, plan, {
    schema: options.tenantSchema,
    startUnit: options.startUnit,
    defaultLockTimeoutMs: options.defaultLockTimeoutMs,
    maxLockRetries: options.maxLockRetries,
    backoff: options.backoff,
    onUnitDone: async (tx, index, isLast) => {
      if (!isLast) return recordProgress(tx, progressKey, index + 1);
      await recordAppliedVersion(tx, record);
      // The schema the plan left, stamped in the same transaction: the next drift check skips introspection.
      const stamp = await catalogStamp(tx, options.tenantSchema ? { schema: options.tenantSchema } : {});
      await recordCatalogStamp(tx, options.tenantSchema, { stamp, fingerprint: plan.toFingerprint });
    },
    signal: options.signal,
    cancelInFlight: () => sendCancelRequest(connection),
    mayRetry: options.mayRetry,
    onLockRetry: options.onLockRetry,
    onStepDone: options.onStepDone,
  });
}

export interface ApplyAndReportInput extends Omit<ApplyPlanOptions, 'onLockRetry' | 'onStepDone'> {
  metrics?: ExecutorMetrics;
  /**
   * Whether a tenant whose step spent its lock-retry budget may go back to the queue (true) or fails
   * with LOCK_TIMEOUT_BUDGET (false: it was put back too often already).
   */
  mayDeferOnLock: boolean;
  /** Called at each step's end and each lock-timeout retry: the run is moving (the batch's heartbeat reads it). */
  onProgress?: () => void;
}

/**
 * RUNNING, then the plan, then the final report: SUCCEEDED with the steps and attempts; FAILED with the
 * SQLSTATE (or LOCK_TIMEOUT_BUDGET) of the step that failed; a deferred run (abort, throttle held the
 * retry) goes back to the queue, its progress recorded for the resume.
 */
export async function applyAndReport(input: ApplyAndReportInput, reporter: TenantReporter): Promise<TenantOutcome> {
  const { metrics } = input;
  await reporter.running();
  if (input.startUnit > 0) reporter.log.info({ startUnit: input.startUnit }, 'resuming an interrupted run');
  try {
    const applied = await applyPlan({
      ...input,
      onLockRetry: (step, retry, error) => {
        input.onProgress?.();
        metrics?.lockRetries.inc({ change: step.change || 'unknown' });
        reporter.log.info({ step: step.description, retry, sqlstate: (error as { code?: string }).code }, 'lock timeout: retrying');
      },
      onStepDone: (step, ms) => {
        input.onProgress?.();
        metrics?.stepSeconds.observe({ change: step.change || 'unknown' }, ms / 1000);
      },
    });
    return await reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, {
      attempts: applied.attempts,
      stepsApplied: applied.stepsApplied,
      lockRetries: applied.lockRetries,
      fingerprint: input.plan.toFingerprint,
    });
  } catch (error) {
    if (error instanceof RunDeferred) {
      reporter.log.warn({ reason: error.reason, steps: error.stepsApplied }, 'tenant run cancelled: deferred for a later delivery');
      return reporter.defer(error.reason);
    }
    if (sessionEndedForIdling(input.connection, error instanceof StepFailed ? error.cause : error)) {
      // This process froze or stalled mid-run, and the server ended its session (rolling back the unit in
      // hand): the batch has been redelivered meanwhile. Not a failure of the tenant: back to the queue.
      reporter.log.warn({ sqlstate: input.connection.endedWith, reason: (error as Error).message }, 'the server ended this executor\'s idle session (the process stalled): deferred');
      return reporter.defer(`tenant ${reporter.tenantId}: session ended by the server while this executor stalled`);
    }
    if (sessionLost(input.connection, error instanceof StepFailed ? error.cause : error)) {
      // The session was terminated or broke mid-plan (the unit in hand rolled back with it): not a failure
      // of the tenant, and failing it would leave it between versions. Back to the queue; the next run
      // resumes after the recorded units on a new session.
      input.connection.healthy = false;
      reporter.log.warn({ sqlstate: (error as { code?: string }).code ?? input.connection.endedWith, reason: (error as Error).message }, 'session to the tenant database lost mid-plan: deferred, resumes from its recorded progress');
      return reporter.defer(`tenant ${reporter.tenantId}: session to the tenant database lost mid-plan (${(error as Error).message})`);
    }
    if (error instanceof StepFailed && error.code === 'LOCK_TIMEOUT_BUDGET' && input.mayDeferOnLock) {
      // The application holds the table: rather than keep this worker retrying, the tenant goes back to
      // the queue (its units so far recorded for the resume) and the rest of the batch goes on.
      reporter.log.info({ reason: error.message, lockRetries: error.lockRetries }, 'lock not available: tenant put back in the queue for later');
      input.metrics?.lockDeferrals.inc();
      return reporter.defer(error.message, true);
    }
    if (error instanceof StepFailed) {
      return reporter.fail(error.code, error.message, { attempts: error.attempts, stepsApplied: error.stepsApplied, lockRetries: error.lockRetries });
    }
    throw error;
  }
}
