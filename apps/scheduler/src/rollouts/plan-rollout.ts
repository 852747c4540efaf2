import { Isolation, type Cluster, type Hazard, type Plan, type SchemaVersion, type Tenant } from '@fleetshift/contracts';
import { getSchemaVersion, type StoredPlan } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { UnavailableError } from '@fleetshift/telemetry';
import { tenantTarget } from '../tenants/cluster-connection.js';

/** Where one tenant starts from in a rollout: the plan it shares (or its own), or why it cannot be planned. */
export interface TenantStart {
  tenant: Tenant;
  planKey: string;
  fromVersion: number;
  fromFingerprint: string;
  /** Set when the tenant could not be planned (unreachable): it starts FAILED. */
  failure?: { error: string; code: string };
}

export interface RolloutPlans {
  plans: StoredPlan[];
  starts: TenantStart[];
  /** Hazards the plans need that are not allowed, with a tenant needing each. */
  refused: Array<Hazard & { tenantId: string }>;
}

/** Live plans asked at once from the planner (each introspects one tenant). */
const livePlanConcurrency = 4;

/**
 * Plans a rollout once per distinct from-state: tenants recorded at version v with fingerprint f share
 * Diff(version v text → target text); tenants without a recorded state are planned one by one from
 * their live state. An unreachable tenant does not stop the others: it starts FAILED with UNREACHABLE.
 */
export async function planRollout(
  ctx: SchedulerContext,
  target: SchemaVersion,
  tenants: Tenant[],
  clusters: Map<string, Cluster>,
  allowHazards: string[],
): Promise<RolloutPlans> {
  const result: RolloutPlans = { plans: [], starts: [], refused: [] };
  const shared = new Map<string, Promise<Plan | undefined>>();
  const versions = new Map<number, Promise<SchemaVersion | undefined>>();
  const live: Tenant[] = [];

  for (const tenant of tenants) {
    if (!tenant.version || !tenant.fingerprint) {
      live.push(tenant);
      continue;
    }
    const key = sharedPlanKey(tenant);
    if (!shared.has(key)) {
      if (!versions.has(tenant.version)) versions.set(tenant.version, getSchemaVersion(ctx.pool, target.blueprint, tenant.version));
      const plan = diffFromVersion(ctx, versions.get(tenant.version)!, target, tenant, allowHazards, result);
      plan.catch(() => undefined); // awaited below; this only keeps an early rejection from going unhandled
      shared.set(key, plan);
    }
    result.starts.push({ tenant, planKey: key, fromVersion: tenant.version, fromFingerprint: tenant.fingerprint });
  }
  for (const [key, plan] of shared) {
    const resolved = await plan;
    if (resolved) result.plans.push({ planKey: key, fromVersion: Number(key.split(':')[1]), plan: resolved });
  }

  await forEachLimited(live, livePlanConcurrency, async (tenant) => {
    result.starts.push(await planLive(ctx, target, tenant, clusters.get(tenant.clusterId)!, allowHazards, result, 1));
  });
  return result;
}

/** Tenants share a plan when they are at the same recorded version and fingerprint, in the same isolation. */
export function sharedPlanKey(tenant: Tenant): string {
  const isolation = tenant.isolation === Isolation.ISOLATION_SCHEMA ? 'schema' : 'database';
  return `v:${tenant.version}:${isolation}:${tenant.fingerprint}`;
}

async function diffFromVersion(
  ctx: SchedulerContext,
  fromVersion: Promise<SchemaVersion | undefined>,
  target: SchemaVersion,
  tenant: Tenant,
  allowHazards: string[],
  result: RolloutPlans,
): Promise<Plan | undefined> {
  const from = await fromVersion;
  if (!from) throw new Error(`tenant ${tenant.id} is recorded at version ${tenant.version} of ${target.blueprint}, which does not exist`);
  const response = await ctx.planner.diff({
    from: from.schema,
    to: target.schema,
    schema: tenant.isolation === Isolation.ISOLATION_SCHEMA ? tenant.schema : '',
    allowHazards,
  });
  for (const hazard of response.refusedHazards) result.refused.push({ ...hazard, tenantId: tenant.id });
  return response.plan;
}

/** Plans one tenant from its live state; the plan key names the tenant and the attempt. */
export async function planLive(
  ctx: SchedulerContext,
  target: SchemaVersion,
  tenant: Tenant,
  cluster: Cluster,
  allowHazards: string[],
  result: RolloutPlans,
  attempt: number,
): Promise<TenantStart> {
  const planKey = `live:${tenant.id}:${attempt}`;
  try {
    const response = await ctx.planner.plan({ schema: target.schema, tenant: tenantTarget(cluster, tenant), allowHazards });
    for (const hazard of response.refusedHazards) result.refused.push({ ...hazard, tenantId: tenant.id });
    if (response.plan) result.plans.push({ planKey, fromVersion: tenant.version, plan: response.plan });
    return { tenant, planKey, fromVersion: tenant.version, fromFingerprint: response.plan?.fromFingerprint ?? '' };
  } catch (error) {
    if (!(error instanceof UnavailableError)) throw error;
    return { tenant, planKey: '', fromVersion: tenant.version, fromFingerprint: '', failure: { error: error.message, code: 'UNREACHABLE' } };
  }
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
