import {
  allPages,
  callMetadata,
  CreateRolloutRequest,
  Isolation,
  PushSchemaVersionRequest,
  RegisterClusterRequest,
  RegisterTenantRequest,
  RolloutState,
  SchemaFormat,
  ThrottleLevel,
  unary,
  type Rollout,
  type RolloutTenant,
} from '@fleetshift/contracts';
import { recordThrottleSignals } from '../throttle/signal-recorder.js';
import { throttleWindows } from '../throttle/throttle-timeline.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Deployment } from './deployment.js';

const clusterId = 'local';
const finalStates = new Set([
  RolloutState.ROLLOUT_STATE_SUCCEEDED,
  RolloutState.ROLLOUT_STATE_FAILED,
  RolloutState.ROLLOUT_STATE_HALTED,
  RolloutState.ROLLOUT_STATE_CANCELLED,
]);

/**
 * Registers the fleet's server as cluster `local` (default connection budget), pushes v1, registers
 * every tenant with provision (it adopts the existing v1 schema: the planner finds nothing to do and the
 * tenant ledger is written), then pushes v2 allowing the index build it needs — the operator's steps
 * before a rollout.
 */
export async function registerFleet(deployment: Deployment, fleet: Fleet, schemas: { v1: string; v2: string }, concurrency = 4): Promise<number> {
  const { clients } = deployment;
  const { hostname, port, username } = new URL(fleet.serverUrl);
  // Unset fields keep the scheduler's defaults (connection budget, TLS).
  const request = RegisterClusterRequest.fromPartial({
    cluster: { id: clusterId, host: hostname, port: Number(port || 5432), adminUser: decodeURIComponent(username) || 'postgres', maintenanceDatabase: 'postgres' },
  });
  await unary(clients.tenants, clients.tenants.registerCluster, request, callMetadata());
  await pushSchema(deployment, fleet.blueprint, schemas.v1, 'v1', []);
  let next = 0;
  const worker = async () => {
    while (next < fleet.tenants.length) {
      const tenant = fleet.tenants[next++]!;
      const request = RegisterTenantRequest.fromPartial({
        tenantId: tenant.id,
        blueprint: fleet.blueprint,
        clusterId,
        isolation: fleet.kind === 'schema' ? Isolation.ISOLATION_SCHEMA : Isolation.ISOLATION_DATABASE,
        database: tenant.database,
        schema: tenant.schema ?? '',
        provision: true,
      });
      await unary(clients.tenants, clients.tenants.registerTenant, request, callMetadata());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return pushSchema(deployment, fleet.blueprint, schemas.v2, 'v2', ['INDEX_BUILD']);
}

async function pushSchema(deployment: Deployment, blueprint: string, text: string, description: string, allowedHazards: string[]): Promise<number> {
  const { clients } = deployment;
  const request = PushSchemaVersionRequest.fromPartial({
    blueprint,
    schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: `${blueprint}-${description}.sql` },
    allowedHazards,
    description,
  });
  const response = await unary(clients.schemas, clients.schemas.pushSchemaVersion, request, callMetadata());
  return response.version!.version;
}

/** Waits (at most `timeoutMs`) until the health monitor has a signal for the cluster, whatever its level. */
export async function waitForClusterSignal(deployment: Deployment, timeoutMs = 60_000): Promise<ThrottleLevel | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const health = await unary(deployment.monitor, deployment.monitor.getClusterHealth, { clusterId }, callMetadata())
      .then((r) => r.health)
      .catch(() => undefined);
    if (health && health.level !== ThrottleLevel.THROTTLE_LEVEL_UNSPECIFIED) return health.level;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

export interface RolloutRun {
  rollout: Rollout;
  startedAt: number;
  finishedAt: number;
  tenants: RolloutTenant[];
  /** Throttle windows of the cluster heard on NATS during the rollout, epoch ms. */
  throttled: Array<{ from: number; to: number }>;
}

/**
 * CreateRollout with the scheduler's defaults (batch size, batches in flight, tenant concurrency,
 * failure policy) for the blueprint's version, and waits until it ends (SUCCEEDED, FAILED, HALTED,
 * CANCELLED) or `timeoutMs` passes. `onStarted` is told right after CreateRollout returns.
 */
export async function runRollout(
  deployment: Deployment,
  blueprint: string,
  version: number,
  options: { timeoutMs: number; onStarted?: (rolloutId: string) => void },
): Promise<RolloutRun> {
  const { clients } = deployment;
  const recorder = recordThrottleSignals(deployment.nc, deployment.names, clusterId);
  try {
    const startedAt = Date.now();
    const request = CreateRolloutRequest.fromPartial({ blueprint, version, selector: { tenantIds: [], labels: {}, clusterIds: [] } });
    const created = await unary(clients.rollouts, clients.rollouts.createRollout, request, callMetadata());
    const rolloutId = created.rollout!.id;
    options.onStarted?.(rolloutId);
    let rollout = created.rollout!;
    const deadline = startedAt + options.timeoutMs;
    while (!finalStates.has(rollout.state) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rollout = (await unary(clients.rollouts, clients.rollouts.getRollout, { rolloutId }, callMetadata())).rollout!;
    }
    const finishedAt = Date.now();
    const tenants = await allPages(
      (pageToken) => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 1000, pageToken }, callMetadata()),
      (page) => page.tenants,
    );
    const throttled = throttleWindows(recorder.points, finishedAt)
      .map((w) => ({ from: Math.max(w.from, startedAt), to: Math.min(w.to, finishedAt) }))
      .filter((w) => w.to > w.from);
    return { rollout, startedAt, finishedAt, tenants, throttled };
  } finally {
    recorder.stop();
  }
}
