import { randomBytes } from 'node:crypto';
import {
  allPages,
  callMetadata,
  healthMonitorClient,
  RolloutState,
  schedulerClients,
  ThrottleLevel,
  ThrottleSignal,
  unary,
} from '@fleetshift/contracts';
import { busNames, connectBus, decodeMessage, isStale, openThrottleBucket } from '@fleetshift/bus';
import {
  cpuThresholdsFor,
  findNats,
  findPostgres,
  startCpuLoad,
  startService,
  waitFor,
  type CpuLoad,
  type ServiceProcess,
} from '@fleetshift/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
// A whole-system test: it borrows the demo's fleet helpers, and reads the host CPU the way the health
// monitor does (test-only imports; no app or lib imports tools).
import { procStatSampler } from '@fleetshift/host-cpu';
import { resetDemo } from '../../../demo/src/demo-reset.js';
import { provisionTenants, pushVersion, registerCluster, type FleetSpec } from '../../../demo/src/fleet.js';
import { benchSchema } from './bench-schemas.js';
import { startStack, type RunningStack } from '@fleetshift/dev-stack';
import { recordThrottleSignals } from './signal-recorder.js';
import { throttleWindows } from './throttle-timeline.js';

const sampleIntervalMs = 250;
const tenants = 120;
const finalStates = new Set([
  RolloutState.ROLLOUT_STATE_SUCCEEDED,
  RolloutState.ROLLOUT_STATE_FAILED,
  RolloutState.ROLLOUT_STATE_HALTED,
  RolloutState.ROLLOUT_STATE_CANCELLED,
]);

// The whole system as processes (planner, health monitor, scheduler, one executor) with real
// PostgreSQL and NATS: a rollout of 120 tenants pauses on the monitor's signal and resumes after it.
describe('rollout throttled by the health monitor', () => {
  let stack: RunningStack | undefined;
  let nc: NatsConnection | undefined;
  let load: CpuLoad | undefined;
  let cleanup: (() => Promise<unknown>) | undefined;
  let restarted: ServiceProcess | undefined;
  afterEach(async () => {
    await load?.stop().catch(() => undefined);
    await stack?.stop();
    await restarted?.stop();
    restarted = undefined;
    await nc?.close();
    await cleanup?.().catch(() => undefined);
    stack = undefined;
    load = undefined;
  });

  /** Starts the stack and a fleet of tenants at v1 with v2 pushed; returns what the test needs. */
  async function fleet(monitorEnv: Record<string, string>) {
    const [pgUrl, natsUrl] = await Promise.all([findPostgres(), findNats()]);
    const id = randomBytes(3).toString('hex');
    const blueprint = `hm_rollout_${id}`;
    const names = busNames(`hm_rollout_${id}`);
    const controlUrl = new URL(pgUrl);
    controlUrl.pathname = `/fleetshift_hm_rollout_${id}`;
    cleanup = () => resetDemo(pgUrl, `fleetshift_hm_rollout_${id}`, blueprint, natsUrl, names.namespace);
    const env = {
      FLEETSHIFT_NATS_URL: natsUrl,
      FLEETSHIFT_NATS_NAMESPACE: names.namespace,
      FLEETSHIFT_CONTROL_DB_URL: controlUrl.toString(),
      FLEETSHIFT_SCRATCH_PG_URL: pgUrl,
      FLEETSHIFT_SAMPLE_INTERVAL_MS: String(sampleIntervalMs),
      FLEETSHIFT_CLUSTER_REFRESH_MS: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '100',
      FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '100',
      FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '200',
      ...monitorEnv,
    };
    stack = await startStack({ ports: 'ephemeral', executors: 1, env });
    nc = await connectBus(natsUrl, 'hm-rollout-test');
    const clients = schedulerClients(`127.0.0.1:${stack.scheduler.grpcPort}`);
    const { hostname, port, username } = new URL(pgUrl);
    const spec: FleetSpec = {
      blueprint,
      tenants,
      isolation: 'schema',
      cluster: { id: 'local', host: hostname, port: Number(port || 5432), user: decodeURIComponent(username) || 'postgres' },
    };
    await registerCluster(clients, spec);
    await pushVersion(clients, blueprint, benchSchema(1), 'v1');
    await provisionTenants(clients, spec, 4, () => undefined);
    const version = await pushVersion(clients, blueprint, benchSchema(2), 'v2');
    return { pgUrl, env, names, clients, blueprint, version };
  }

  async function createRollout(clients: ReturnType<typeof schedulerClients>, blueprint: string, version: number): Promise<string> {
    const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, {
      blueprint,
      version,
      selector: { tenantIds: [], labels: {}, clusterIds: [] },
      batchSize: 10,
      maxBatchesInFlight: 2,
      tenantConcurrency: 1,
      canary: false,
      failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 0.1, onDrift: 0 },
      allowedHazards: ['INDEX_BUILD'],
      dryRun: false,
    }, callMetadata());
    return rollout!.id;
  }

  const rolloutOf = async (clients: ReturnType<typeof schedulerClients>, rolloutId: string) =>
    (await unary(clients.rollouts, clients.rollouts.getRollout, { rolloutId }, callMetadata())).rollout!;
  const startTimes = async (clients: ReturnType<typeof schedulerClients>, rolloutId: string) =>
    (
      await allPages(
        (pageToken) => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 1000, pageToken }, callMetadata()),
        (page) => page.tenants,
      )
    ).flatMap(
      (t) => (t.startedAt ? [t.startedAt.getTime()] : []),
    );
  const begun = (rollout: Awaited<ReturnType<typeof rolloutOf>>) => rollout.counts!.total - rollout.counts!.pending - rollout.counts!.queued;

  // Generous bounds: waiting for a quiet host, starting four services and provisioning come first.
  it('pauses under real CPU load from the THROTTLED signal on, and resumes and completes after it', { timeout: 600_000 }, async (ctx) => {
    let idle = 100;
    for (let tries = 0; tries < 20 && idle > 80; tries += 1) idle = await idleCpu();
    if (idle > 80) ctx.skip(`the host is already busy (CPU at ${idle.toFixed(0)} % without our load)`);
    const { threshold, release } = cpuThresholdsFor(idle);
    const { pgUrl, names, clients, blueprint, version } = await fleet({
      FLEETSHIFT_CPU_SOURCE: 'proc-stat',
      FLEETSHIFT_CPU_THRESHOLD: threshold.toFixed(1),
      FLEETSHIFT_CPU_RELEASE: release.toFixed(1),
      FLEETSHIFT_CPU_CRITICAL: '100.5',
    });
    const recorder = recordThrottleSignals(nc!, names, 'local');
    const monitor = healthMonitorClient(`127.0.0.1:${stack!.healthMonitor.grpcPort}`);
    await waitFor('the cluster OK', async () => {
      const { health } = await unary(monitor, monitor.getClusterHealth, { clusterId: 'local' }, callMetadata());
      return health?.level === ThrottleLevel.THROTTLE_LEVEL_OK;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    monitor.close();

    const rolloutId = await createRollout(clients, blueprint, version);
    await waitFor('a tenth of the tenants started', async () => begun(await rolloutOf(clients, rolloutId)) >= tenants / 10, { timeoutMs: 120_000 });
    const loadStartedAt = Date.now();
    load = startCpuLoad({ url: pgUrl, connections: 3, durationMs: 120_000 });
    const throttled = await waitFor('THROTTLED after the load started', () =>
      recorder.points.find((p) => p.at >= loadStartedAt && p.level !== ThrottleLevel.THROTTLE_LEVEL_OK), { timeoutMs: 60_000, intervalMs: 20 });
    // Keep the load on for a while after the throttle: the rollout must not move meanwhile.
    await waitFor('twelve more samples while loaded', () => recorder.points.filter((p) => p.at > throttled.at).length >= 12, { timeoutMs: 60_000, intervalMs: 20 });
    await load.stop();
    const loadStoppedAt = Date.now();

    const final = await waitFor('the rollout finished', async () => {
      const rollout = await rolloutOf(clients, rolloutId);
      return finalStates.has(rollout.state) && rollout;
    }, { timeoutMs: 300_000, intervalMs: 250 });
    recorder.stop();
    expect(final.state).toBe(RolloutState.ROLLOUT_STATE_SUCCEEDED);
    expect(final.counts!.succeeded).toBe(tenants);

    const starts = await startTimes(clients, rolloutId);
    expect(starts).toHaveLength(tenants);
    const windows = throttleWindows(recorder.points, Date.now());
    const first = windows.find((w) => w.from >= throttled.at - 1)!;
    expect(first.to).toBeGreaterThan(loadStoppedAt - 1); // released only after the load stopped
    // No tenant starts on a throttled cluster later than one sample interval after the signal.
    const late = windows.flatMap((w) =>
      starts.filter((t) => t > w.from + sampleIntervalMs && t < w.to).map((t) => `${t - w.from} ms into a window of ${w.to - w.from} ms`),
    );
    expect(late).toEqual([]);
    // The rollout moved before the throttle and again after it.
    expect(starts.filter((t) => t <= throttled.at).length).toBeGreaterThan(0);
    expect(starts.filter((t) => t >= first.to).length).toBeGreaterThan(0);
    const before = recorder.points.filter((p) => p.at < throttled.at).at(-1);
    const onset = before && before.level !== ThrottleLevel.THROTTLE_LEVEL_OK ? 'already THROTTLED (other work) when the load started' : `THROTTLED ${throttled.at - loadStartedAt} ms after the load started`;
    console.info(
      `rollout under load: ${onset}; ` +
        `last start ${Math.max(...starts.filter((t) => t < first.to)) - throttled.at} ms after THROTTLED; ` +
        `resumed ${first.to - loadStoppedAt} ms after the load stopped; ${starts.filter((t) => t >= first.to).length} tenants after`,
    );
  });

  it('pauses when the health monitor stops (stale signal) and resumes when it restarts', { timeout: 600_000 }, async () => {
    const { env, names, clients, blueprint, version } = await fleet({ FLEETSHIFT_CPU_SOURCE: 'none' });
    const kv = await openThrottleBucket(nc!, names);
    const lastSignal = async () => {
      const entry = await kv.get('local');
      return entry && entry.value.length > 0 ? decodeMessage(ThrottleSignal, entry.value) : undefined;
    };
    await waitFor('an OK signal', async () => (await lastSignal())?.level === ThrottleLevel.THROTTLE_LEVEL_OK, { timeoutMs: 30_000 });

    const rolloutId = await createRollout(clients, blueprint, version);
    await waitFor('a fifth of the tenants started', async () => begun(await rolloutOf(clients, rolloutId)) >= tenants / 5, { timeoutMs: 120_000 });
    expect(await stack!.healthMonitor.stop('SIGTERM')).toBe(0);
    const last = (await lastSignal())!;
    const staleAt = last.sampledAt!.getTime() + 3 * last.sampleIntervalMs;
    await waitFor('the last signal stale', () => isStale(last, Date.now()), { timeoutMs: 10_000 });
    // Let the tenants in flight finish; nothing new may start.
    await waitFor('nothing running', async () => (await rolloutOf(clients, rolloutId)).counts!.running === 0, { timeoutMs: 60_000, intervalMs: 100 });
    const paused = await rolloutOf(clients, rolloutId);
    expect(finalStates.has(paused.state)).toBe(false);
    const doneWhilePaused = paused.counts!.succeeded;
    expect(doneWhilePaused).toBeLessThan(tenants);

    const restartedAt = Date.now();
    restarted = await startService('health-monitor', { ...env, FLEETSHIFT_SCHEDULER_ADDR: `127.0.0.1:${stack!.scheduler.grpcPort}` });
    const final = await waitFor('the rollout finished', async () => {
      const rollout = await rolloutOf(clients, rolloutId);
      return finalStates.has(rollout.state) && rollout;
    }, { timeoutMs: 300_000, intervalMs: 250 });
    expect(final.state).toBe(RolloutState.ROLLOUT_STATE_SUCCEEDED);

    const starts = await startTimes(clients, rolloutId);
    expect(starts).toHaveLength(tenants);
    // Between "stale" (plus one interval to notice) and the restart, no tenant started.
    expect(starts.filter((t) => t > staleAt + sampleIntervalMs && t < restartedAt)).toEqual([]);
    // The rest started after the restart (one result may still have been in flight when counted).
    expect(starts.filter((t) => t >= restartedAt).length).toBeGreaterThanOrEqual(tenants - doneWhilePaused - 1);
    expect(starts.filter((t) => t >= restartedAt).length).toBeGreaterThan(0);
  });
});

async function idleCpu(): Promise<number> {
  const source = procStatSampler();
  const values: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    values.push(await source.read());
    await new Promise((resolve) => setTimeout(resolve, sampleIntervalMs));
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length * 0.75)];
}
