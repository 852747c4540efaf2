import { TenantResult, TenantRolloutState, type BatchJob, type Plan, type TenantTask } from '@fleetshift/contracts';
import type { Logger } from '@fleetshift/telemetry';
import { RunDeferred, StepFailed, type BackoffPolicy } from '@fleetshift/plan-runner';
import { applyPlan } from './apply-plan.js';
import { ensureBookkeeping, recordAppliedVersion } from '@fleetshift/tenant-ledger';
import type { ConnectionSlot } from './connection-slot.js';
import { preCheck } from './drift-check.js';
import type { ExecutorMetrics } from './executor-metrics.js';
import type { ResultPublisher } from './result-publisher.js';
import { releaseTenantLock, tenantLockKey, tryTenantLock } from './tenant-lock.js';

export interface TenantRunSettings {
  executorId: string;
  defaultLockTimeoutMs: number;
  defaultMaxLockRetries: number;
  backoff: BackoffPolicy;
}

export interface TenantRunDeps {
  settings: TenantRunSettings;
  publish: ResultPublisher;
  logger: Logger;
  metrics?: ExecutorMetrics;
  /**
   * Before a lock-timeout retry: waits until the cluster is OK again (a throttled cluster gets no new
   * DDL attempt either); false when it did not come back in time.
   */
  clusterReady?: (clusterId: string) => Promise<boolean>;
}

/** A tenant either got a final report, or goes back to the queue with the rest of its batch. */
export type TenantOutcome = { kind: 'reported'; state: TenantRolloutState } | { kind: 'deferred'; reason: string };

const finalLabel: Partial<Record<TenantRolloutState, string>> = {
  [TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED]: 'succeeded',
  [TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED]: 'failed',
  [TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED]: 'skipped',
  [TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED]: 'cancelled',
};

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
 * advisory lock → drift check against fleetshift.applied_versions and the live fingerprint → RUNNING
 * report → the plan's steps → final report. Every outcome is reported except a deferral (tenant locked
 * by another executor, CRITICAL throttle cancelled it): those return to the queue with the batch.
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
  const { settings, logger } = deps;
  const log = logger.child({ tenantId: task.tenantId, rolloutId: job.rolloutId, batch: job.batchNumber });
  const startedAt = new Date();
  const started = performance.now();
  const tenantSchema = task.target?.schema ?? '';
  const base = TenantResult.fromPartial({
    rolloutId: job.rolloutId,
    batchNumber: job.batchNumber,
    tenantId: task.tenantId,
    executorId: settings.executorId,
    targetVersion: job.targetVersion,
    startedAt,
  });

  const report = async (state: TenantRolloutState, fields: Partial<TenantResult>): Promise<TenantOutcome> => {
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
  const fail = (errorCode: string, error: string, more: Partial<TenantResult> = {}) =>
    report(TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, { errorCode, error, ...more });

  const plan: Plan | undefined = job.plans[task.planKey];
  if (!plan || !task.target) return fail('PLAN_MISSING', `batch has no plan "${task.planKey}" or no target for tenant ${task.tenantId}`);

  let connection;
  try {
    connection = await slot.acquire(task.target);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // The server is up but refuses sessions for now (too many connections, starting up): try later.
    if (code === '53300' || code === '57P03') {
      log.warn({ sqlstate: code, reason: (error as Error).message }, 'tenant database refuses connections for now: deferred');
      deps.metrics?.tenants.inc({ result: 'deferred' });
      return { kind: 'deferred', reason: (error as Error).message };
    }
    return fail('UNREACHABLE', (error as Error).message);
  }
  const client = connection.client;
  const lockKey = tenantLockKey(task.tenantId, tenantSchema);
  let locked = false;
  try {
    await ensureBookkeeping(client);
    locked = await tryTenantLock(client, lockKey);
    if (!locked) {
      log.info('tenant is locked by another executor: deferred');
      deps.metrics?.tenants.inc({ result: 'deferred' });
      return { kind: 'deferred', reason: `tenant ${task.tenantId} is being migrated by another executor` };
    }
    const check = await preCheck(client, {
      tenantSchema,
      rolloutId: job.rolloutId,
      targetVersion: job.targetVersion,
      plan,
      expectedFingerprint: task.expectedFingerprint,
    });
    switch (check.kind) {
      case 'already-applied':
        log.info({ appliedBy: check.executorId }, 'already applied by this rollout: reported again, nothing ran');
        return report(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, { fingerprint: check.fingerprint });
      case 'at-target':
        // At the target with no record of it (e.g. an executor died between its last step and the record):
        // record it now, so that applied_versions always tells each tenant's version.
        if (!check.recorded && !job.dryRun) {
          await recordAppliedVersion(client, {
            tenantSchema,
            tenantId: task.tenantId,
            version: job.targetVersion,
            fingerprint: check.fingerprint,
            rolloutId: job.rolloutId,
            executorId: settings.executorId,
          });
        }
        return report(TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED, { fingerprint: check.fingerprint, error: `already at target: ${check.detail}` });
      case 'drift':
        return fail('DRIFT', `live fingerprint ${check.liveFingerprint} is neither the expected ${check.expectedFingerprint} nor the target ${plan.toFingerprint}`, {
          fingerprint: check.liveFingerprint,
        });
      case 'run':
        break;
    }
    if (options.finishOnly !== undefined) {
      // Where the plan starts: nothing of it ran, the tenant is at the old version and stays there.
      if (check.startUnit === 0) {
        return report(TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED, {
          startedAt: undefined,
          errorCode: 'CANCELLED',
          error: `not started: ${options.finishOnly}`,
        });
      }
      log.info({ startUnit: check.startUnit, reason: options.finishOnly }, 'finishing a run this rollout left part-way, although it no longer runs');
    }
    if (job.dryRun) {
      return report(TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED, { fingerprint: check.liveFingerprint, error: 'dry run: nothing applied' });
    }
    await deps.publish({ ...base, state: TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING }, delivery);
    if (check.startUnit > 0) log.info({ startUnit: check.startUnit }, 'resuming an interrupted run');
    try {
      const applied = await applyPlan({
        connection,
        plan,
        tenantSchema,
        record: {
          tenantSchema,
          tenantId: task.tenantId,
          version: job.targetVersion,
          fingerprint: plan.toFingerprint,
          rolloutId: job.rolloutId,
          executorId: settings.executorId,
        },
        startUnit: check.startUnit,
        maxLockRetries: job.maxLockRetries || settings.defaultMaxLockRetries,
        backoff: settings.backoff,
        defaultLockTimeoutMs: settings.defaultLockTimeoutMs,
        signal: abort,
        onLockRetry: (step, retry, error) => {
          deps.metrics?.lockRetries.inc({ change: step.change || 'unknown' });
          log.info({ step: step.description, retry, sqlstate: (error as { code?: string }).code }, 'lock timeout: retrying');
        },
        mayRetry: deps.clusterReady ? () => deps.clusterReady!(job.clusterId) : undefined,
        onStepDone: (step, ms) => deps.metrics?.stepSeconds.observe({ change: step.change || 'unknown' }, ms / 1000),
      });
      return report(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, {
        attempts: applied.attempts,
        stepsApplied: applied.stepsApplied,
        fingerprint: plan.toFingerprint,
      });
    } catch (error) {
      if (error instanceof RunDeferred) {
        log.warn({ reason: error.reason, steps: error.stepsApplied }, 'tenant run cancelled: deferred for a later delivery');
        deps.metrics?.tenants.inc({ result: 'deferred' });
        return { kind: 'deferred', reason: error.reason };
      }
      if (error instanceof StepFailed) {
        return fail(error.code, error.message, { attempts: error.attempts, stepsApplied: error.stepsApplied });
      }
      throw error;
    }
  } catch (error) {
    if (!connection.healthy) {
      await slot.discard();
      return fail('UNREACHABLE', `connection to the tenant database lost: ${(error as Error).message}`);
    }
    return fail((error as { code?: string }).code ?? 'INTERNAL', `tenant ${task.tenantId}: ${(error as Error).message}`);
  } finally {
    if (locked && connection.healthy) await releaseTenantLock(client, lockKey).catch(() => slot.discard());
  }
}
