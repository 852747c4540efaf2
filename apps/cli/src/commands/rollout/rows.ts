import { rolloutStateName, rolloutSummaryRows, describeThrottles } from '@fleetshift/console';
import { DriftPolicy, Rollout, TenantRolloutState, type RolloutTenant } from '@fleetshift/contracts';
import { enumName, labelText, printObject, when, type OutputFormat } from '../../output/format.js';

export const rolloutHead = ['id', 'blueprint', 'version', 'state', 'tenants', 'ok', 'failed', 'skipped', 'created'];

export function rolloutRow(rollout: Rollout): string[] {
  const counts = rollout.counts;
  return [
    rollout.id,
    rollout.blueprint,
    String(rollout.version),
    rolloutStateName(rollout.state),
    String(counts?.total ?? 0),
    String(counts?.succeeded ?? 0),
    String(counts?.failed ?? 0),
    String(counts?.skipped ?? 0),
    when(rollout.createdAt),
  ];
}

function selectorText(rollout: Rollout): string {
  const selector = rollout.selector;
  if (!selector) return 'every tenant';
  const parts = [
    selector.tenantIds.length ? `tenants ${selector.tenantIds.join(',')}` : '',
    Object.keys(selector.labels).length ? `labels ${labelText(selector.labels)}` : '',
    selector.clusterIds.length ? `clusters ${selector.clusterIds.join(',')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'every tenant';
}

export function rolloutFields(rollout: Rollout): Array<[string, string]> {
  const counts = rollout.counts;
  const policy = rollout.failurePolicy;
  return [
    ...rolloutSummaryRows(rollout),
    ['pending / queued / running', `${counts?.pending ?? 0} / ${counts?.queued ?? 0} / ${counts?.running ?? 0}`],
    ['selector', selectorText(rollout)],
    ['batches', `${rollout.batchesPublished}/${rollout.batchesTotal} published, size ${rollout.batchSize}, ${rollout.maxBatchesInFlight} in flight`],
    ['tenant concurrency', String(rollout.tenantConcurrency)],
    ['canary', rollout.canary ? 'yes' : 'no'],
    ['dry run', rollout.dryRun ? 'yes' : 'no'],
    ['failure policy', `max failed ${policy?.maxFailedTenants || '-'}, max ratio ${policy?.maxFailureRatio || '-'}, on drift ${enumName(DriftPolicy, policy?.onDrift ?? 0, 'DRIFT_POLICY_')}`],
    ['allowed hazards', rollout.allowedHazards.join(',') || '-'],
    ['throttles', describeThrottles(rollout)],
    ['time throttled', `${rollout.throttledSeconds.toFixed(1)} s`],
    ['created', when(rollout.createdAt)],
    ['started', when(rollout.startedAt)],
    ['finished', when(rollout.finishedAt)],
  ];
}

/** A rollout as an object (show, create, pause …). */
export function printRollout(format: OutputFormat, rollout: Rollout): void {
  printObject(format, Rollout.toJSON(rollout), ['rollout', rollout.id], rolloutFields(rollout));
}

export const rolloutTenantHead = ['tenant', 'cluster', 'state', 'attempts', 'lock retries', 'error code', 'error'];

export function rolloutTenantRow(tenant: RolloutTenant): string[] {
  return [
    tenant.tenantId,
    tenant.clusterId,
    enumName(TenantRolloutState, tenant.state, 'TENANT_ROLLOUT_STATE_'),
    String(tenant.attempts),
    String(tenant.lockRetries),
    tenant.errorCode || '-',
    tenant.error || '-',
  ];
}
