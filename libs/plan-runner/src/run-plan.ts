import type { Plan, PlanStep } from '@fleetshift/contracts';
import pRetry from 'p-retry';
import type pg from 'pg';
import { isLockTimeout, retryTiming, type BackoffPolicy } from './lock-retry.js';
import { planUnits, type PlanUnit } from './plan-units.js';
import { RunDeferred, StepFailed, type RunProgress } from './run-errors.js';
import { applyStepSettings, enterTenantSchema, resetStepSession, stepSettings } from './step-session.js';

export interface RunPlanOptions {
  /** The tenant's schema for a schema-relative plan (schema isolation); '' for a whole database. */
  schema?: string;
  /** Units already done (recorded by an earlier run's onUnitDone): resume after them. */
  startUnit?: number;
  /** lock_timeout for steps whose plan gives 0. */
  defaultLockTimeoutMs?: number;
  /** Lock-timeout retries per unit before LOCK_TIMEOUT_BUDGET; 0 (the default) tries each unit once. */
  maxLockRetries?: number;
  backoff?: BackoffPolicy;
  /**
   * Called when a unit's steps have run: inside its transaction for a transactional unit (so a ledger
   * write commits with the DDL or not at all), right after the step for a non-transactional one.
   */
  onUnitDone?: (client: pg.ClientBase, unitIndex: number, isLast: boolean) => Promise<void>;
  /** Aborting stops before the next statement and, through cancelInFlight, cancels the one running. */
  signal?: AbortSignal;
  /** Cancels the statement in flight on the connection (a protocol CancelRequest). */
  cancelInFlight?: () => Promise<void>;
  /** Asked before each lock-timeout retry: false defers the run (its unit rolled back) instead. */
  mayRetry?: () => Promise<boolean>;
  onLockRetry?: (step: PlanStep, retry: number, error: Error) => void;
  onStepDone?: (step: PlanStep, durationMs: number) => void;
}

export type RunPlanResult = RunProgress;

/**
 * The one place a plan's steps are executed, for the executor, provisioning and the planner's replay
 * alike. Consecutive transactional steps of one group run in one transaction; a non-transactional step
 * (CONCURRENTLY, ADD VALUE, a batched backfill) runs alone in autocommit, after its cleanup_sql when it
 * is retried or where a run resumes. Every step runs under its own lock_timeout and statement_timeout; a
 * schema-relative plan under search_path = the tenant schema. A lost lock race (lock_timeout, deadlock)
 * rolls the unit back and retries it with exponential backoff and jitter, up to maxLockRetries; then
 * StepFailed LOCK_TIMEOUT_BUDGET. Any other error is StepFailed with its SQLSTATE. The client must be
 * outside a transaction; on return its session settings are reset.
 */
export async function runPlan(client: pg.ClientBase, plan: Plan, options: RunPlanOptions = {}): Promise<RunPlanResult> {
  const units = planUnits(plan.steps);
  const startUnit = options.startUnit ?? 0;
  const defaultLockTimeoutMs = options.defaultLockTimeoutMs ?? 0;
  const progress: RunProgress = {
    stepsApplied: units.slice(0, startUnit).reduce((n, u) => n + u.steps.length, 0),
    attempts: 0,
    lockRetries: 0,
  };
  const firstStepNumber = stepNumbers(units);
  const { signal } = options;
  const deferred = (reason: unknown) => new RunDeferred(String(reason instanceof Error ? reason.message : reason), { ...progress });

  let inFlight = false;
  const onAbort = () => {
    if (inFlight) void options.cancelInFlight?.();
  };
  signal?.addEventListener('abort', onAbort);
  const query = async (sql: string) => {
    if (signal?.aborted) throw deferred(signal.reason);
    inFlight = true;
    try {
      return await client.query(sql);
    } finally {
      inFlight = false;
    }
  };

  // The step being executed, so that a failure inside a multi-step transaction names the right one.
  let current = 1;
  const runStep = async (step: PlanStep) => {
    if (signal?.aborted) throw deferred(signal.reason);
    current = plan.steps.indexOf(step) + 1;
    await applyStepSettings(client, stepSettings(step, defaultLockTimeoutMs));
    const started = performance.now();
    await query(step.sql);
    options.onStepDone?.(step, performance.now() - started);
  };

  const runUnit = async (unit: PlanUnit, index: number, retried: boolean) => {
    progress.attempts++;
    current = firstStepNumber[index]!;
    const isLast = index === units.length - 1;
    if (!unit.transactional) {
      const step = unit.steps[0]!;
      if ((retried || index === startUnit) && step.cleanupSql) await query(step.cleanupSql);
      await runStep(step);
      await options.onUnitDone?.(client, index, isLast);
      return;
    }
    await query('BEGIN');
    try {
      for (const step of unit.steps) await runStep(step);
      await options.onUnitDone?.(client, index, isLast);
      await query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  };

  try {
    await enterTenantSchema(client, plan.schemaRelative ? (options.schema ?? '') : '');
    for (let index = startUnit; index < units.length; index++) {
      const unit = units[index]!;
      const step = unit.steps[0]!;
      const timeouts = { lockTimeoutMs: step.lockTimeoutMs > 0 ? step.lockTimeoutMs : defaultLockTimeoutMs, statementTimeoutMs: step.statementTimeoutMs };
      let lastError: unknown;
      try {
        await pRetry((attempt) => runUnit(unit, index, attempt > 1), {
          retries: options.maxLockRetries ?? 0,
          ...retryTiming(options.backoff ?? { baseMs: 50, capMs: 5_000 }),
          signal,
          onFailedAttempt: ({ error }) => {
            lastError = error;
          },
          shouldRetry: async ({ error, attemptNumber }) => {
            if (error instanceof RunDeferred || signal?.aborted || !isLockTimeout(error, timeouts)) return false;
            progress.lockRetries++;
            options.onLockRetry?.(step, attemptNumber, error);
            if (options.mayRetry && !(await options.mayRetry())) throw deferred('cluster not OK: lock-timeout retry postponed');
            return true;
          },
        });
      } catch (error) {
        if (error instanceof RunDeferred) throw error;
        if (signal?.aborted) throw deferred(signal.reason);
        const cause = (lastError ?? error) as Error & { code?: string };
        const failedAt = current;
        const failedStep = plan.steps[failedAt - 1]!;
        const label = `step ${failedAt} [${failedStep.change}] ${failedStep.description || failedStep.change}`;
        if (isLockTimeout(cause, timeouts)) {
          throw new StepFailed(
            `${label}: lock not available after ${progress.attempts} attempt(s) (lock_timeout ${timeouts.lockTimeoutMs} ms): ${cause.message}`,
            'LOCK_TIMEOUT_BUDGET',
            failedAt,
            failedStep,
            { ...progress },
            { cause },
          );
        }
        throw new StepFailed(`${label}: ${cause.message}`, cause.code ?? 'EXECUTION', failedAt, failedStep, { ...progress }, { cause });
      }
      progress.stepsApplied += unit.steps.length;
    }
    return { ...progress };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await resetStepSession(client).catch(() => undefined);
  }
}

/** The 1-based plan position of each unit's first step. */
function stepNumbers(units: PlanUnit[]): number[] {
  const numbers: number[] = [];
  let next = 1;
  for (const unit of units) {
    numbers.push(next);
    next += unit.steps.length;
  }
  return numbers;
}
