import { setTimeout as sleep } from 'node:timers/promises';
import { TenantRolloutState, type BatchJob, type TenantTask } from '@fleetshift/contracts';
import { connectTenant } from '../tenant/connect-tenant.js';
import type { ConnectionSlot } from '../tenant/connection-slot.js';
import type { TenantOutcome, TenantRunDeps, TenantRunOptions } from '../tenant/run-tenant.js';
import { tenantLockKey, underTenantLock } from '../tenant/tenant-lock.js';
import { tenantReporter } from '../tenant/tenant-report.js';
import { isSimulatedDatabase, recordStandInRun, standInRan } from '@fleetshift/tenant-ledger';
import { drawDelayMs, type StandInDelay } from './stand-in-delay.js';

/**
 * The tenant stand-in of simulation mode: everything runTenant does around a tenant but the DDL. It takes
 * the connection from the worker's slot and the per-tenant advisory lock (tenant-lock.ts) in the
 * simulated database, refuses a database without the simulation marker (NOT_SIMULATED), reports RUNNING,
 * "works" for a delay drawn from `delay` holding the lock, writes its own record of the run, and reports
 * SUCCEEDED with the fingerprint `simulated:v<target>` and one step. A tenant it already ran in this rollout (a redelivered batch) is reported again without
 * running, as applied_versions makes a real tenant a no-op. A cancelled rollout's tenant is reported
 * CANCELLED (the stand-in never stops part-way).
 */
/** The fingerprint the stand-in reports for a tenant it brought to `version`. */
export const simulatedFingerprint = (version: number) => `simulated:v${version}`;

export function simulatedTenantRunner(delay: StandInDelay, random: () => number = Math.random) {
  return async function runSimulatedTenant(
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
    // The stand-in needs no plan (it runs no step), so it does not fetch one; the planner still plans the
    // rollout once per from-state and the scheduler still sends each task's plan id.
    if (!task.target) return reporter.fail('PLAN_MISSING', `task of tenant ${task.tenantId} has no target`);
    const connected = await connectTenant(slot, task.target, reporter);
    if ('outcome' in connected) return connected.outcome;
    return underTenantLock(connected.connection, slot, tenantLockKey(task.tenantId, task.target.schema), reporter, async (client) => {
      if (!(await isSimulatedDatabase(client))) {
        return reporter.fail('NOT_SIMULATED', `simulation mode: database ${task.target!.database} of tenant ${task.tenantId} carries no simulation marker; the stand-in touches only simulated fleets`);
      }
      // A fingerprint of its own, so that the scheduler records the tenant at the target version as it would
      // a real one (a later simulated rollout then groups every tenant under one from-state again).
      const done = { fingerprint: simulatedFingerprint(job.targetVersion) };
      if (await standInRan(client, job.rolloutId, task.tenantId)) return reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, done);
      if (options.finishOnly) return reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED, { error: options.finishOnly, errorCode: 'CANCELLED' });
      await reporter.running();
      const delayMs = drawDelayMs(delay, random);
      try {
        await sleep(delayMs, undefined, { signal: abort });
      } catch {
        return reporter.defer(`tenant ${task.tenantId}: simulated work cancelled (${String(abort?.reason ?? 'critical')})`);
      }
      await recordStandInRun(client, { rolloutId: job.rolloutId, tenantId: task.tenantId, executorId: settings.executorId, delayMs });
      deps.onProgress?.();
      return reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, { ...done, stepsApplied: 1 });
    });
  };
}
