import type { Plan, PlanStep } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/schema';
import { recordAppliedVersion, recordProgress, type AppliedRecord } from '@fleetshift/tenant-ledger';
import { backoffDelay, isLockTimeout, sleep, type BackoffPolicy } from './lock-retry.js';
import { planUnits } from './plan-units.js';
import { sendCancelRequest, type TenantConnection } from './tenant-connection.js';

/** Why a tenant run stopped before the end without failing: it goes back to the queue. */
export class TenantDeferred extends Error {
  constructor(
    readonly reason: string,
    readonly stepsApplied: number,
    readonly attempts: number,
  ) {
    super(reason);
  }
}

/** A step failed for good; `code` is the SQLSTATE or a Fleetshift code (LOCK_TIMEOUT_BUDGET). */
export class StepFailed extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly stepsApplied: number,
    readonly attempts: number,
  ) {
    super(message);
  }
}

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
  onLockRetry?: (step: PlanStep, retry: number, delayMs: number, error: Error) => void;
  /**
   * Asked before each lock-timeout retry: resolves false when the tenant must not try again now (its
   * cluster stayed throttled past the hold time) — the tenant is then deferred, its unit rolled back.
   */
  mayRetry?: () => Promise<boolean>;
  onStepDone?: (step: PlanStep, durationMs: number) => void;
}

export interface ApplyPlanResult {
  stepsApplied: number;
  /** Executions of units, retries included. */
  attempts: number;
}

/**
 * Runs a plan's steps as the plan says: per step its lock_timeout / statement_timeout; transactional
 * steps of one group in one transaction; non-transactional steps alone (cleanup_sql before a retry);
 * schema-relative plans with search_path = the tenant schema. A lock timeout rolls the unit back and
 * retries it after a jittered exponential backoff, up to maxLockRetries per unit; then StepFailed
 * LOCK_TIMEOUT_BUDGET. The applied version is recorded in the last unit's transaction.
 */
export async function applyPlan(options: ApplyPlanOptions): Promise<ApplyPlanResult> {
  const { connection, plan, signal } = options;
  const client = connection.client;
  const units = planUnits(plan.steps);
  const progressKey = {
    tenantSchema: options.tenantSchema,
    rolloutId: options.record.rolloutId,
    toFingerprint: plan.toFingerprint,
    executorId: options.record.executorId,
  };
  let stepsApplied = units.slice(0, options.startUnit).reduce((n, u) => n + u.steps.length, 0);
  let attempts = 0;

  let inFlight = false;
  const onAbort = () => {
    if (inFlight) void sendCancelRequest(connection);
  };
  signal?.addEventListener('abort', onAbort);
  const run = async (sql: string, params?: unknown[]) => {
    if (signal?.aborted) throw new TenantDeferred(String(signal.reason), stepsApplied, attempts);
    inFlight = true;
    try {
      return await client.query(sql, params);
    } finally {
      inFlight = false;
    }
  };

  try {
    if (plan.schemaRelative && options.tenantSchema) {
      await client.query(`SET search_path TO ${quoteIdent(options.tenantSchema)}`);
    }
    if (units.length === 0) {
      await recordAppliedVersion(client, options.record);
      return { stepsApplied: 0, attempts: 0 };
    }
    for (let index = options.startUnit; index < units.length; index++) {
      const unit = units[index]!;
      const isLast = index === units.length - 1;
      for (let retry = 0; ; retry++) {
        attempts++;
        try {
          if (unit.transactional) {
            await run('BEGIN');
            for (const step of unit.steps) await runStep(step);
            if (isLast) await recordAppliedVersion(client, options.record);
            else await recordProgress(client, progressKey, index + 1);
            await run('COMMIT');
          } else {
            const step = unit.steps[0]!;
            if ((retry > 0 || index === options.startUnit) && step.cleanupSql) await run(step.cleanupSql);
            await runStep(step);
            if (isLast) await recordAppliedVersion(client, options.record);
            else await recordProgress(client, progressKey, index + 1);
          }
          stepsApplied += unit.steps.length;
          break;
        } catch (error) {
          if (unit.transactional) await client.query('ROLLBACK').catch(() => undefined);
          if (error instanceof TenantDeferred) throw error;
          if (signal?.aborted) throw new TenantDeferred(String(signal.reason), stepsApplied, attempts);
          const step = unit.steps[0]!;
          const timeouts = { lockTimeoutMs: lockTimeoutOf(step), statementTimeoutMs: step.statementTimeoutMs };
          if (!isLockTimeout(error, timeouts)) {
            const code = (error as { code?: string }).code ?? 'EXECUTION';
            throw new StepFailed(`step ${step.description || step.change} failed: ${(error as Error).message}`, code, stepsApplied, attempts);
          }
          if (retry >= options.maxLockRetries) {
            throw new StepFailed(
              `step ${step.description || step.change}: lock not available after ${retry + 1} attempts (lock_timeout ${timeouts.lockTimeoutMs} ms): ${(error as Error).message}`,
              'LOCK_TIMEOUT_BUDGET',
              stepsApplied,
              attempts,
            );
          }
          const delay = backoffDelay(retry, options.backoff);
          options.onLockRetry?.(step, retry + 1, delay, error as Error);
          try {
            await sleep(delay, signal);
          } catch {
            throw new TenantDeferred(String(signal?.reason), stepsApplied, attempts);
          }
          if (options.mayRetry && !(await options.mayRetry())) {
            throw new TenantDeferred('cluster not OK: lock-timeout retry postponed', stepsApplied, attempts);
          }
        }
      }
    }
    return { stepsApplied, attempts };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.query('RESET lock_timeout; RESET statement_timeout; RESET search_path').catch(() => undefined);
  }

  async function runStep(step: PlanStep): Promise<void> {
    await run('SELECT set_config($1, $2, false), set_config($3, $4, false)', [
      'lock_timeout',
      `${lockTimeoutOf(step)}ms`,
      'statement_timeout',
      `${step.statementTimeoutMs}ms`,
    ]);
    const started = performance.now();
    await run(step.sql);
    options.onStepDone?.(step, performance.now() - started);
  }

  function lockTimeoutOf(step: PlanStep): number {
    return step.lockTimeoutMs > 0 ? step.lockTimeoutMs : options.defaultLockTimeoutMs;
  }
}
