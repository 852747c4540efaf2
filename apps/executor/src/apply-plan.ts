import type { Plan, PlanStep } from '@fleetshift/contracts';
import { runPlan, type BackoffPolicy, type RunPlanResult } from '@fleetshift/plan-runner';
import { recordAppliedVersion, recordProgress, type AppliedRecord } from '@fleetshift/tenant-ledger';
import { sendCancelRequest, type TenantConnection } from './tenant-connection.js';

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
    onUnitDone: (tx, index, isLast) => (isLast ? recordAppliedVersion(tx, record) : recordProgress(tx, progressKey, index + 1)),
    signal: options.signal,
    cancelInFlight: () => sendCancelRequest(connection),
    mayRetry: options.mayRetry,
    onLockRetry: options.onLockRetry,
    onStepDone: options.onStepDone,
  });
}
