import { TenantRolloutState, type BatchJob, type Plan } from '@fleetshift/contracts';
import { recordAppliedVersion, type AppliedRecord } from '@fleetshift/tenant-ledger';
import type pg from 'pg';
import type { PreCheck } from './drift-check.js';
import type { TenantOutcome, TenantReporter } from './tenant-report.js';

export interface SettleInput {
  job: BatchJob;
  plan: Plan;
  /** What applied_versions records for this tenant at the target (used when it is there unrecorded). */
  record: AppliedRecord;
  /** Set when the rollout no longer runs: only a run it left part-way may go on (the text says why). */
  finishOnly?: string;
}

/**
 * Decides, from the drift check, every outcome that runs no step: already applied by this rollout (a
 * redelivery: reported again), already at the target (SKIPPED, recorded if it was not), drifted (FAILED
 * DRIFT), not started by a rollout that no longer runs (CANCELLED), a dry run (SKIPPED). Otherwise: run
 * the plan from `startUnit`.
 */
export async function settleBeforeRun(
  client: pg.ClientBase,
  check: PreCheck,
  input: SettleInput,
  reporter: TenantReporter,
): Promise<{ outcome: TenantOutcome } | { startUnit: number }> {
  const { job, plan } = input;
  switch (check.kind) {
    case 'already-applied':
      reporter.log.info({ appliedBy: check.executorId }, 'already applied by this rollout: reported again, nothing ran');
      return { outcome: await reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, { fingerprint: check.fingerprint }) };
    case 'at-target':
      // At the target with no record of it (e.g. an executor died between its last step and the record):
      // record it now, so that applied_versions always tells each tenant's version.
      if (!check.recorded && !job.dryRun) await recordAppliedVersion(client, { ...input.record, fingerprint: check.fingerprint });
      return { outcome: await reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED, { fingerprint: check.fingerprint, error: `already at target: ${check.detail}` }) };
    case 'drift':
      return {
        outcome: await reporter.fail('DRIFT', `live fingerprint ${check.liveFingerprint} is neither the expected ${check.expectedFingerprint} nor the target ${plan.toFingerprint}`, {
          fingerprint: check.liveFingerprint,
        }),
      };
    case 'run':
      break;
  }
  if (input.finishOnly !== undefined) {
    // Where the plan starts: nothing of it ran, the tenant is at the old version and stays there.
    if (check.startUnit === 0) {
      const outcome = await reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED, { startedAt: undefined, errorCode: 'CANCELLED', error: `not started: ${input.finishOnly}` });
      return { outcome };
    }
    reporter.log.info({ startUnit: check.startUnit, reason: input.finishOnly }, 'finishing a run this rollout left part-way, although it no longer runs');
  }
  if (job.dryRun) {
    return { outcome: await reporter.report(TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED, { fingerprint: check.liveFingerprint, error: 'dry run: nothing applied' }) };
  }
  return { startUnit: check.startUnit };
}
