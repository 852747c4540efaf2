import { randomBytes } from 'node:crypto';
import { RolloutState, TenantRolloutState, type Cluster, type CreateRolloutRequest, type Rollout } from '@fleetshift/contracts';
import {
  ActiveRolloutError,
  appendTenantEvent,
  blueprintExists,
  findActiveRollout,
  getCluster,
  getRollout,
  getSchemaVersion,
  insertBatches,
  insertPlans,
  insertRollout,
  insertRolloutTenants,
  recordTenantOutcome,
  selectTenants,
  setPlanCount,
  setRolloutState,
  withTransaction,
  type Queryable,
} from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { InvalidRequestError, NotFoundError, PreconditionError } from '@fleetshift/telemetry';
import { assignBatches } from './assign-batches.js';
import { planRollout, type RolloutPlans } from './plan-rollout.js';
import { relayRolloutControl } from './rollout-control.js';
import { rolloutFromRequest } from './rollout-request.js';

/**
 * Creates a rollout: validates everything first (nothing starts on a bad request), plans once per
 * distinct from-state, refuses hazards that are not allowed, persists the rollout with its plans,
 * batches and per-tenant rows and marks it RUNNING, all in one transaction (with its control outbox row).
 * Publishing is the leader's job (its engine is kicked after, or picks the rollout up on its next tick).
 */
export async function createRollout(ctx: SchedulerContext, request: CreateRolloutRequest): Promise<Rollout> {
  const draft = rolloutFromRequest(request, newRolloutId(request.blueprint));
  if (!(await blueprintExists(ctx.pool, draft.blueprint))) throw new NotFoundError(`blueprint ${draft.blueprint} does not exist`);
  const target = await getSchemaVersion(ctx.pool, draft.blueprint, draft.version);
  if (!target) throw new NotFoundError(`blueprint ${draft.blueprint} has no version ${draft.version || '(latest)'}`);
  draft.version = target.version;

  const tenants = await selectTenants(ctx.pool, draft.blueprint, draft.selector);
  if (!tenants.length) throw new InvalidRequestError(`the selector matches no tenant of blueprint ${draft.blueprint}: ${JSON.stringify(draft.selector)}`);
  await refuseSecondActive(ctx, draft.blueprint);

  const clusters = await clustersOf(ctx, tenants.map((t) => t.clusterId));
  const allowHazards = [...new Set([...target.allowedHazards, ...draft.allowedHazards])];
  const planned = await planRollout(ctx, target, tenants, clusters, allowHazards);
  refuseHazards(planned, draft.blueprint, target.version);

  const batches = assignBatches(
    planned.starts.map((start) => ({ ...start, tenantId: start.tenant.id, clusterId: start.tenant.clusterId })),
    draft.batchSize,
  );
  // The clusters' consumers are not touched: each is sized once, from its connection budget, when the
  // cluster is registered (a per-rollout resize would change max_ack_pending under other rollouts).
  await persist(ctx, draft, planned, batches);
  // Committed RUNNING with its outbox row: executors learn it now, or from the leader's relay if NATS
  // fails here — the rollout runs either way, and a crash can no longer leave it PENDING.
  await relayRolloutControl(ctx, draft.id);
  ctx.metrics?.rolloutsCreated.inc();
  ctx.logger.info(
    { rolloutId: draft.id, blueprint: draft.blueprint, version: target.version, tenants: tenants.length, plans: planned.plans.length, batches: batches.length },
    'rollout created',
  );
  return (await getRollout(ctx.pool, draft.id))!;
}

/** Rollout ids are NATS-token safe: `<blueprint, _ as ->-<creation ms, base 36>-<6 hex>`, e.g. `shop-mx5e6y15-9f03ab`. */
function newRolloutId(blueprint: string): string {
  return `${blueprint.replace(/_/g, '-')}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

async function refuseSecondActive(ctx: SchedulerContext, blueprint: string): Promise<void> {
  const active = await findActiveRollout(ctx.pool, blueprint);
  if (active) {
    throw new PreconditionError(
      `blueprint ${blueprint} already has an active rollout ${active.id} (${RolloutState[active.state]}); cancel it or let it finish first`,
    );
  }
}

async function clustersOf(ctx: SchedulerContext, ids: string[]): Promise<Map<string, Cluster>> {
  const clusters = new Map<string, Cluster>();
  for (const id of new Set(ids)) {
    const cluster = await getCluster(ctx.pool, id);
    if (!cluster) throw new Error(`cluster ${id} of a selected tenant is not registered`);
    clusters.set(id, cluster);
  }
  return clusters;
}

function refuseHazards(planned: RolloutPlans, blueprint: string, version: number): void {
  if (!planned.refused.length) return;
  const byCode = new Map<string, { message: string; tenants: Set<string> }>();
  for (const hazard of planned.refused) {
    const entry = byCode.get(hazard.code) ?? { message: hazard.message, tenants: new Set<string>() };
    entry.tenants.add(hazard.tenantId);
    byCode.set(hazard.code, entry);
  }
  const listed = [...byCode.entries()].map(([code, { message, tenants }]) => `${code} (${message}; e.g. tenant ${[...tenants][0]})`);
  throw new PreconditionError(
    `rollout of ${blueprint} v${version} refused: the plan needs hazards that are not allowed: ${listed.join(', ')}. ` +
      `Allow them in the schema version or in allowed_hazards.`,
  );
}

async function persist(
  ctx: SchedulerContext,
  rollout: Rollout,
  planned: RolloutPlans,
  batches: ReturnType<typeof assignBatches<RolloutPlans['starts'][number] & { tenantId: string; clusterId: string }>>,
): Promise<void> {
  try {
    await withTransaction(ctx.pool, async (client) => {
      await insertRollout(client, rollout);
      await insertPlans(client, rollout.id, planned.plans);
      await setPlanCount(client, rollout.id);
      await insertBatches(client, rollout.id, batches);
      const rows = batches.flatMap((batch) =>
        batch.members.map((start) => ({
          tenantId: start.tenant.id,
          clusterId: start.tenant.clusterId,
          batchNumber: batch.batchNumber,
          planKey: start.planKey,
          fromVersion: start.fromVersion,
          fromFingerprint: start.fromFingerprint,
        })),
      );
      await insertRolloutTenants(client, rollout.id, rows);
      await failUnplannable(client, rollout, planned);
      await setRolloutState(client, rollout.id, RolloutState.ROLLOUT_STATE_RUNNING, [RolloutState.ROLLOUT_STATE_PENDING]);
    });
  } catch (error) {
    if (error instanceof ActiveRolloutError) throw new PreconditionError(`${error.message}; cancel it or let it finish first`);
    throw error;
  }
}

/** Tenants that could not be planned (unreachable) start FAILED with their reason; the others go on. */
async function failUnplannable(client: Queryable, rollout: Rollout, planned: RolloutPlans): Promise<void> {
  for (const start of planned.starts.filter((s) => s.failure)) {
    const failure = start.failure!;
    await recordTenantOutcome(
      client,
      rollout.id,
      start.tenant.id,
      { state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, error: failure.error, errorCode: failure.code, executorId: '', stepsApplied: 0, finishedAt: new Date() },
      [TenantRolloutState.TENANT_ROLLOUT_STATE_PENDING],
    );
    await appendTenantEvent(client, {
      tenantId: start.tenant.id,
      rolloutId: rollout.id,
      kind: 'failed',
      fromVersion: start.fromVersion,
      toVersion: rollout.version,
      error: failure.error,
      errorCode: failure.code,
    });
  }
}
