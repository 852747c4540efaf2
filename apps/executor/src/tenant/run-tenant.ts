import type { BatchJob, Plan, TenantTask } from '@fleetshift/contracts';
import type { BackoffPolicy } from '@fleetshift/plan-runner';
import type { Logger } from '@fleetshift/telemetry';
import { ensureBookkeeping } from '@fleetshift/tenant-ledger';
import type { ResultPublisher } from '../batch/result-publisher.js';
import type { ResolvedPlans } from '../batch/plan-cache.js';
import type { ExecutorMetrics } from '../executor-metrics.js';
import { applyAndReport } from './apply-plan.js';
import { connectTenant } from './connect-tenant.js';
import type { ConnectionSlot } from './connection-slot.js';
import { preCheck } from './drift-check.js';
import { settleBeforeRun } from './settle-before-run.js';
import { tenantLockKey, underTenantLock } from './tenant-lock.js';
import { tenantReporter, type TenantOutcome } from './tenant-report.js';

export type { TenantOutcome } from './tenant-report.js';

export interface TenantRunSettings {
  executorId: string;
  defaultLockTimeoutMs: number;
  defaultMaxLockRetries: number;
  /** Times a tenant whose step keeps losing its lock goes back to the queue before it fails. */
  maxLockDeferrals: number;
  backoff: BackoffPolicy;
}

export interface TenantRunDeps {
  settings: TenantRunSettings;
  publish: ResultPublisher;
  logger: Logger;
  metrics?: ExecutorMetrics;
  /** The plans of the batch by id, fetched from the plans bucket before its tenants run (batch/plan-cache.ts). */
  plans: ResolvedPlans;
  /**
   * Before a lock-timeout retry: waits until the cluster is OK again (a throttled cluster gets no new
   * DDL attempt either); false when it did not come back in time.
   */
  clusterReady?: (clusterId: string) => Promise<boolean>;
  /** The tenant's run moved (a step ended, a lock-timeout retry): see batch/batch-progress.ts. */
  onProgress?: () => void;
}

export interface TenantRunOptions {
  /**
   * The rollout is no longer RUNNING (CANCELLED, HALTED, …; the text says why): start nothing, only
   * finish a run of this rollout's plan that stopped part-way (fleetshift.plan_progress: a CRITICAL
   * cancel, a killed executor), so that the tenant ends at the old or the new version, never between.
   * A tenant where the plan starts is reported CANCELLED; one already at the target as usual.
   */
  finishOnly?: string;
}

/**
 * Migrates one tenant: connection (reused when the slot already serves its database) → per-tenant
 * advisory lock → the tenant ledger → drift check → RUNNING → the plan's steps → final report. Every
 * outcome is reported except a deferral (tenant locked by another executor, a server refusing sessions
 * for now, a CRITICAL cancel): those return to the queue with the batch.
 */
export async function runTenant(
  job: BatchJob,
  task: TenantTask,
  slot: ConnectionSlot,
  delivery: string,
  deps: TenantRunDeps,
  abort?: AbortSignal,
  options: TenantRunOptions = {},
): Promise<TenantOutcome> {
  const { settings } = deps;
  const reporter = tenantReporter(job, task, delivery, { ...deps, executorId: settings.executorId });
  const plan: Plan | Error | undefined = deps.plans.get(task.planKey);
  if (plan instanceof Error) return reporter.fail('code' in plan ? String(plan.code) : 'PLAN_MISSING', plan.message);
  if (!plan || !task.target) return reporter.fail('PLAN_MISSING', `batch has no plan "${task.planKey}" or no target for tenant ${task.tenantId}`);
  const connected = await connectTenant(slot, task.target, reporter);
  if ('outcome' in connected) return connected.outcome;
  const tenantSchema = task.target.schema;
  const record = { tenantSchema, tenantId: task.tenantId, version: job.targetVersion, fingerprint: plan.toFingerprint, rolloutId: job.rolloutId, executorId: settings.executorId };

  return underTenantLock(connected.connection, slot, tenantLockKey(task.tenantId, tenantSchema), reporter, async (client) => {
    await ensureBookkeeping(client);
    const check = await preCheck(client, { tenantSchema, rolloutId: job.rolloutId, targetVersion: job.targetVersion, plan, expectedFingerprint: task.expectedFingerprint });
    const settled = await settleBeforeRun(client, check, { job, plan, record, finishOnly: options.finishOnly }, reporter);
    if ('outcome' in settled) return settled.outcome;
    return applyAndReport(
      {
        connection: connected.connection,
        plan,
        tenantSchema,
        record,
        startUnit: settled.startUnit,
        maxLockRetries: job.maxLockRetries || settings.defaultMaxLockRetries,
        backoff: settings.backoff,
        defaultLockTimeoutMs: settings.defaultLockTimeoutMs,
        signal: abort,
        mayRetry: deps.clusterReady ? () => deps.clusterReady!(job.clusterId) : undefined,
        metrics: deps.metrics,
        mayDeferOnLock: task.lockDeferrals < settings.maxLockDeferrals,
        onProgress: deps.onProgress,
      },
      reporter,
    );
  });
}
