import { BatchJob, TenantRolloutState, type Cluster, type Rollout } from '@fleetshift/contracts';
import type { PlanStore } from '@fleetshift/bus';
import { batchTenants, getPlans, type Queryable } from '@fleetshift/control-store';
import { rolloutDefaults } from '../defaults.js';
import { tenantTarget } from '../tenants/cluster-connection.js';

/**
 * The BatchJob of a batch: its PENDING tenants with where they live, the id of the plan each uses, and
 * how to run them (tenant concurrency, dry run, lock retries). The plans themselves are written to the
 * plans bucket first (from the control DB, the source of truth): the job names them by content id, so
 * its size does not grow with theirs (docs/adr/0009). Undefined when the batch has no pending tenant left.
 */
export async function buildBatchJob(
  db: Queryable,
  store: PlanStore,
  rollout: Rollout,
  cluster: Cluster,
  batch: { batchNumber: number; attempt: number },
): Promise<{ job: BatchJob; tenantIds: string[] } | undefined> {
  const tenants = await batchTenants(db, rollout.id, batch.batchNumber, [TenantRolloutState.TENANT_ROLLOUT_STATE_PENDING]);
  if (!tenants.length) return undefined;
  const plans = await getPlans(db, rollout.id, [...new Set(tenants.map((t) => t.planKey))]);
  const planIds = new Map<string, string>();
  for (const [key, plan] of plans) planIds.set(key, await store.put(plan));
  const job = BatchJob.fromPartial({
    rolloutId: rollout.id,
    batchNumber: batch.batchNumber,
    attempt: batch.attempt,
    blueprint: rollout.blueprint,
    targetVersion: rollout.version,
    clusterId: cluster.id,
    clusterConnectionBudget: cluster.connectionBudget,
    tasks: tenants.map((tenant) => ({
      tenantId: tenant.tenantId,
      target: tenantTarget(cluster, tenant),
      planKey: planIds.get(tenant.planKey) ?? '',
      expectedFingerprint: tenant.fromFingerprint,
      fromVersion: tenant.fromVersion,
    })),
    tenantConcurrency: rollout.tenantConcurrency,
    dryRun: rollout.dryRun,
    maxLockRetries: rolloutDefaults.maxLockRetries,
    publishedAt: new Date(),
  });
  return { job, tenantIds: tenants.map((t) => t.tenantId) };
}

/** The JetStream message id of a batch publication: a re-publish of the same attempt is deduplicated. */
export function batchMessageId(rolloutId: string, batchNumber: number, attempt: number): string {
  return `${rolloutId}:${batchNumber}:${attempt}`;
}

/** What every publication of a batch's message id starts with (any attempt, an executor's continuation too). */
export function batchMessagePrefix(rolloutId: string, batchNumber: number): string {
  return `${rolloutId}:${batchNumber}:`;
}

/**
 * The rollout, batch and attempt a batch message id names (`<rollout>:<batch>:<attempt>`, or an executor's
 * continuation `<rollout>:<batch>:<attempt>:rest-<seq>`); undefined for anything else.
 */
export function parseBatchMessageId(msgId: string): { rolloutId: string; batchNumber: number; attempt: number } | undefined {
  const match = /^([A-Za-z0-9_-]+):(\d+):(\d+)(?::rest-\d+)?$/.exec(msgId);
  return match ? { rolloutId: match[1], batchNumber: Number(match[2]), attempt: Number(match[3]) } : undefined;
}
