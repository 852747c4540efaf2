import { DriftPolicy, RolloutState, TenantRolloutState, type TenantResult } from '@fleetshift/contracts';
import {
  addTenantLockRetries,
  appendTenantEvent,
  getRollout,
  getRolloutTenantRow,
  recordTenantOutcome,
  recordTenantVersion,
  setRolloutState,
  withTransaction,
  type TenantEventKind,
} from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { rolloutDefaults } from '../defaults.js';
import { failurePolicyBreach } from './rollout-outcome.js';

const S = TenantRolloutState;

/** What a result did: nothing (duplicate, unknown), an update, or a drift the scheduler must re-plan. */
export interface ResultEffect {
  applied: boolean;
  duplicate: boolean;
  /**
   * The report came from another batch or attempt than the tenant is queued in now (a late report of a
   * publication the reaper, RetryFailed or a re-plan replaced): kept in the history, the state unchanged.
   */
  stale?: boolean;
  /** The tenant drifted and the policy says REPLAN: plan it from its live state and queue it again. */
  replan: boolean;
  /** The rollout's new state when the failure policy halted it. */
  newState?: RolloutState;
}

/**
 * Which tenant states each reported state may move a tenant from (a cancelled tenant an executor had
 * started really ran: its SUCCEEDED/SKIPPED counts). RUNNING never moves a tenant out of a final state
 * (CANCELLED, SUCCEEDED, FAILED, SKIPPED): a RUNNING delivered again after the tenant was cancelled would
 * otherwise hold it RUNNING for good. CANCELLED from RUNNING: the executor reports CANCELLED only after
 * checking, under the tenant lock, that nothing of the plan is applied (a run rolled back by a CRITICAL
 * cancel or a killed executor); a tenant part-way through is finished instead.
 */
const allowedFrom: Partial<Record<TenantRolloutState, TenantRolloutState[]>> = {
  [S.TENANT_ROLLOUT_STATE_RUNNING]: [S.TENANT_ROLLOUT_STATE_QUEUED, S.TENANT_ROLLOUT_STATE_RUNNING],
  [S.TENANT_ROLLOUT_STATE_SUCCEEDED]: [S.TENANT_ROLLOUT_STATE_QUEUED, S.TENANT_ROLLOUT_STATE_RUNNING, S.TENANT_ROLLOUT_STATE_CANCELLED],
  [S.TENANT_ROLLOUT_STATE_SKIPPED]: [S.TENANT_ROLLOUT_STATE_QUEUED, S.TENANT_ROLLOUT_STATE_RUNNING, S.TENANT_ROLLOUT_STATE_CANCELLED],
  [S.TENANT_ROLLOUT_STATE_FAILED]: [S.TENANT_ROLLOUT_STATE_QUEUED, S.TENANT_ROLLOUT_STATE_RUNNING],
  [S.TENANT_ROLLOUT_STATE_CANCELLED]: [S.TENANT_ROLLOUT_STATE_QUEUED, S.TENANT_ROLLOUT_STATE_PENDING, S.TENANT_ROLLOUT_STATE_RUNNING],
};

const eventKinds: Partial<Record<TenantRolloutState, TenantEventKind>> = {
  [S.TENANT_ROLLOUT_STATE_RUNNING]: 'started',
  [S.TENANT_ROLLOUT_STATE_SUCCEEDED]: 'succeeded',
  [S.TENANT_ROLLOUT_STATE_SKIPPED]: 'skipped',
  [S.TENANT_ROLLOUT_STATE_FAILED]: 'failed',
  [S.TENANT_ROLLOUT_STATE_CANCELLED]: 'cancelled',
};

/** Identifies one report: the same report delivered twice has the same key and changes nothing. */
export function resultKey(result: TenantResult): string {
  return [
    result.rolloutId,
    result.batchNumber,
    result.tenantId,
    result.state,
    result.executorId,
    result.startedAt?.getTime() ?? 0,
    result.finishedAt?.getTime() ?? 0,
    result.errorCode,
  ].join(':');
}

/**
 * Applies one TenantResult: appends it to the tenant's history (once — a duplicate changes nothing),
 * adds its lock-timeout retries to the tenant's total, moves the tenant's rollout state when the report
 * may — only a report of the batch and attempt the tenant is queued in now (fenced: a late FAILED of an
 * earlier attempt never overwrites a later one's success), and never out of a final state into RUNNING —
 * records the new version of a tenant that reached the target, and halts the rollout when a failure
 * crosses the failure policy.
 */
export async function applyTenantResult(ctx: SchedulerContext, result: TenantResult): Promise<ResultEffect> {
  const none: ResultEffect = { applied: false, duplicate: false, replan: false };
  return withTransaction(ctx.pool, async (client) => {
    const row = await getRolloutTenantRow(client, result.rolloutId, result.tenantId);
    const rollout = row && (await getRollout(client, result.rolloutId, { summary: false }));
    if (!row || !rollout) {
      ctx.logger.warn({ rolloutId: result.rolloutId, tenantId: result.tenantId }, 'result for a tenant not in the rollout ignored');
      return none;
    }
    const drift = result.state === S.TENANT_ROLLOUT_STATE_FAILED && result.errorCode === 'DRIFT';
    const fresh = await appendTenantEvent(client, {
      tenantId: result.tenantId,
      rolloutId: result.rolloutId,
      kind: drift ? 'drift' : eventKinds[result.state] ?? 'failed',
      fromVersion: row.fromVersion,
      toVersion: result.targetVersion || rollout.version,
      fingerprint: result.fingerprint,
      error: result.error,
      errorCode: result.errorCode,
      executorId: result.executorId,
      stepsApplied: result.stepsApplied,
      batchNumber: result.batchNumber,
      at: result.finishedAt ?? result.startedAt,
      resultKey: resultKey(result),
    });
    // Fencing: the publication the tenant is queued in now is the only one whose reports move it.
    const current = row.batchNumber === result.batchNumber && row.batchAttempt === result.attempt;
    const replan =
      current &&
      drift &&
      rollout.failurePolicy?.onDrift !== DriftPolicy.DRIFT_POLICY_FAIL &&
      row.replans < rolloutDefaults.maxReplans &&
      (row.state === S.TENANT_ROLLOUT_STATE_QUEUED || row.state === S.TENANT_ROLLOUT_STATE_RUNNING);
    // A drift delivered again after a crash between storing it and re-planning still gets its re-plan.
    if (!fresh) return { ...none, duplicate: true, replan };
    // The retries happened whatever the report does to the tenant's state (a late or stale report too);
    // a duplicate was turned away above, so a report adds its retries once.
    await addTenantLockRetries(client, result.rolloutId, result.tenantId, result.lockRetries);
    if (replan) return { applied: true, duplicate: false, replan: true };
    if (!current) {
      ctx.metrics?.staleResults.inc();
      ctx.logger.info(
        {
          rolloutId: result.rolloutId,
          tenantId: result.tenantId,
          state: TenantRolloutState[result.state],
          reported: `${result.batchNumber}/${result.attempt}`,
          current: `${row.batchNumber}/${row.batchAttempt}`,
        },
        'report of an earlier batch or attempt: kept in the history, the tenant is not moved',
      );
      return { ...none, stale: true };
    }

    const moved = await recordTenantOutcome(
      client,
      result.rolloutId,
      result.tenantId,
      {
        state: result.state,
        error: result.error,
        errorCode: result.errorCode,
        executorId: result.executorId,
        stepsApplied: result.stepsApplied,
        startedAt: result.startedAt,
        finishedAt: result.state === S.TENANT_ROLLOUT_STATE_RUNNING ? undefined : result.finishedAt ?? new Date(),
      },
      allowedFrom[result.state] ?? [],
    );
    if (!moved) return { ...none, duplicate: false };
    const reachedTarget = result.state === S.TENANT_ROLLOUT_STATE_SUCCEEDED || result.state === S.TENANT_ROLLOUT_STATE_SKIPPED;
    if (reachedTarget && !rollout.dryRun && result.fingerprint) {
      await recordTenantVersion(client, result.tenantId, result.targetVersion || rollout.version, result.fingerprint);
    }
    if (result.state === S.TENANT_ROLLOUT_STATE_FAILED && rollout.state === RolloutState.ROLLOUT_STATE_RUNNING) {
      const reason = await failurePolicyBreach(client, rollout);
      if (reason) {
        await setRolloutState(client, rollout.id, RolloutState.ROLLOUT_STATE_HALTED, [RolloutState.ROLLOUT_STATE_RUNNING], reason);
        ctx.logger.warn({ rolloutId: rollout.id, reason }, 'rollout halted by its failure policy');
        return { applied: true, duplicate: false, replan: false, newState: RolloutState.ROLLOUT_STATE_HALTED };
      }
    }
    return { applied: true, duplicate: false, replan: false };
  });
}
