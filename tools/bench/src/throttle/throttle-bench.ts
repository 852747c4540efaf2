import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  allPages,
  callMetadata,
  healthMonitorClient,
  ManualThrottleMode,
  RolloutState,
  schedulerClients,
  ThrottleLevel,
  unary,
  type RolloutTenant,
} from '@fleetshift/contracts';
import { busNames, connectBus } from '@fleetshift/bus';
import { findNats, findPostgres, workspaceRoot, startCpuLoad, cpuThresholdsFor } from '@fleetshift/testing';
// The demo's fleet helpers and reset (register a cluster, push versions, provision tenants).
import { resetDemo } from '../../../demo/src/demo-reset.js';
import { provisionTenants, pushVersion, registerCluster, type FleetSpec } from '../../../demo/src/fleet.js';
import type { Benchmark } from '../benchmark.js';
import { renderTable } from '../bench-table.js';
import { renderVegaLitePng } from '../chart/vega-png.js';
import { chartSubtitle, describeMachine } from '../measure/machine.js';
import { throttleChartSpec, type ThrottlePanel } from './throttle-chart-spec.js';
import { benchSchema } from './bench-schemas.js';
import { startStack, type RunningStack } from '@fleetshift/dev-stack';
import { recordThrottleSignals } from './signal-recorder.js';
import { measureReaction, startsPerSecond, throttleWindows, type Reaction, type SignalPoint } from './throttle-timeline.js';
import { procStatSampler } from '@fleetshift/host-cpu';

interface Options {
  tenants: number;
  executors: number;
  loadConnections: number;
  loadSeconds: number;
  intervalMs: number;
  out: string;
}

interface RunResult {
  name: string;
  startedAt: number;
  finishedAt: number;
  state: RolloutState;
  loadStartedAt: number;
  loadStoppedAt: number;
  tenantStarts: number[];
  signals: SignalPoint[];
  reaction: Reaction;
}

const finalStates = new Set([
  RolloutState.ROLLOUT_STATE_SUCCEEDED,
  RolloutState.ROLLOUT_STATE_FAILED,
  RolloutState.ROLLOUT_STATE_HALTED,
  RolloutState.ROLLOUT_STATE_CANCELLED,
]);

/**
 * Issue 5's benchmark: a rollout on the local cluster while a CPU load runs on it, twice — with the
 * health monitor throttling, and with throttling released by hand (the monitor still samples). Reports
 * the reaction time (load crossing the threshold → last tenant start before release), tenants started
 * while throttled, the CPU profile, and writes a PNG chart (CPU %, tenants/s, throttle windows).
 */
export const throttleBenchmark: Benchmark = {
  name: 'throttle',
  description: 'rollout under CPU load with and without throttling: reaction time, CPU profile, PNG chart',
  async run(args) {
    const options = parseOptions(args);
    const say = (line: string) => process.stdout.write(`${line}\n`);
    const [pgUrl, natsUrl] = await Promise.all([findPostgres(), findNats()]);
    const id = randomBytes(3).toString('hex');
    const blueprint = `bench_throttle_${id}`;
    const namespace = `bench_throttle_${id}`;
    const controlDatabase = `fleetshift_bench_throttle_${id}`;
    const controlUrl = new URL(pgUrl);
    controlUrl.pathname = `/${controlDatabase}`;

    // Thresholds from the host's CPU without our load; a saturated host (other work) leaves no room.
    let idle = 100;
    for (let tries = 0; tries < 40 && idle > 80; tries += 1) idle = await measureIdleCpu(3000, options.intervalMs);
    if (idle > 80) throw new Error(`the host is busy (CPU ${idle.toFixed(0)} % without our load for 2 minutes): run the benchmark on a quieter host`);
    const { threshold, release } = cpuThresholdsFor(idle);
    say(`CPU without load (p75) ${idle.toFixed(1)} %: throttle above ${threshold.toFixed(1)} %, release at ${release.toFixed(1)} %`);

    let stack: RunningStack | undefined;
    const nc = await connectBus(natsUrl, 'fleetshift-bench-throttle');
    try {
      stack = await startStack({
        ports: 'ephemeral',
        executors: options.executors,
        env: {
          FLEETSHIFT_NATS_URL: natsUrl,
          FLEETSHIFT_NATS_NAMESPACE: namespace,
          FLEETSHIFT_CONTROL_DB_URL: controlUrl.toString(),
          FLEETSHIFT_SCRATCH_PG_URL: pgUrl,
          FLEETSHIFT_SAMPLE_INTERVAL_MS: String(options.intervalMs),
          FLEETSHIFT_CLUSTER_REFRESH_MS: '1000',
          FLEETSHIFT_CPU_THRESHOLD: threshold.toFixed(1),
          FLEETSHIFT_CPU_RELEASE: release.toFixed(1),
          // Out of reach: CRITICAL would cancel statements; this benchmark looks at THROTTLED.
          FLEETSHIFT_CPU_CRITICAL: '100.5',
          // Only CPU decides: the rollout's own sessions must not throttle it.
          FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '100',
          FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '100',
          FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '200',
        },
      });
      const clients = schedulerClients(`127.0.0.1:${stack.scheduler.grpcPort}`);
      const monitor = healthMonitorClient(`127.0.0.1:${stack.healthMonitor.grpcPort}`);
      const { hostname, port, username } = new URL(pgUrl);
      const spec: FleetSpec = {
        blueprint,
        tenants: options.tenants,
        isolation: 'schema',
        cluster: { id: 'local', host: hostname, port: Number(port || 5432), user: decodeURIComponent(username) || 'postgres' },
      };
      await registerCluster(clients, spec);
      await pushVersion(clients, blueprint, benchSchema(1), 'v1');
      const provisionStart = Date.now();
      await provisionTenants(clients, spec, 4, () => undefined);
      say(`${options.tenants} tenants provisioned (schema isolation) in ${((Date.now() - provisionStart) / 1000).toFixed(1)} s`);

      const names = busNames(namespace);
      const runs: RunResult[] = [];
      for (const [index, throttling] of [true, false].entries()) {
        const version = await pushVersion(clients, blueprint, benchSchema(index + 2), `v${index + 2}`);
        if (!throttling) await setManual(monitor, ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE, 'benchmark: run without throttling');
        const recorder = recordThrottleSignals(nc, names, 'local');
        try {
          // Start from a cool cluster, so that the crossing measured is the load's.
          if (throttling) await waitUntilOk(monitor, say);
          const run = await rolloutUnderLoad(clients, { pgUrl, blueprint, version, options, threshold, say, name: throttling ? 'with throttling' : 'without throttling' });
          runs.push({ ...run, signals: recorder.between(run.startedAt, run.finishedAt), reaction: { startsWhileThrottled: 0 } });
        } finally {
          recorder.stop();
          if (!throttling) await setManual(monitor, ManualThrottleMode.MANUAL_THROTTLE_MODE_CLEAR, '');
        }
      }
      for (const run of runs) {
        run.reaction = measureReaction({
          signals: run.signals,
          tenantStarts: run.tenantStarts,
          loadStartedAt: run.loadStartedAt,
          cpuThreshold: threshold,
          sampleIntervalMs: options.intervalMs,
        });
      }
      say(report(runs, options));
      await mkdir(path.dirname(options.out), { recursive: true });
      const machine = await describeMachine(pgUrl);
      const subtitle = chartSubtitle(machine);
      const title = {
        text: `Rollout of ${options.tenants} tenants under CPU load (${options.loadConnections} sessions × ${options.loadSeconds} s), with and without throttling`,
        subtitle: `${subtitle} · ${options.executors} executor(s) · monitor sample every ${options.intervalMs} ms`,
      };
      await writeFile(options.out, await renderVegaLitePng(throttleChartSpec(title, runs.map((run) => panelOf(run, threshold)))));
      say(`chart: ${path.relative(process.cwd(), options.out)}`);
      monitor.close();
    } finally {
      await stack?.stop();
      await nc.close();
      await resetDemo(pgUrl, controlDatabase, blueprint, natsUrl, namespace).catch(() => undefined);
    }
  },
};

async function rolloutUnderLoad(
  clients: ReturnType<typeof schedulerClients>,
  run: { pgUrl: string; blueprint: string; version: number; options: Options; threshold: number; say: (line: string) => void; name: string },
): Promise<Omit<RunResult, 'signals' | 'reaction'>> {
  const startedAt = Date.now();
  const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, {
    blueprint: run.blueprint,
    version: run.version,
    selector: { tenantIds: [], labels: {}, clusterIds: [] },
    batchSize: 20,
    maxBatchesInFlight: 4,
    tenantConcurrency: 2,
    canary: false,
    failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 0.1, onDrift: 0 },
    // Each version builds an index (concurrently): the benchmark's work on the cluster.
    allowedHazards: ['INDEX_BUILD'],
    dryRun: false,
  }, callMetadata());
  const rolloutId = rollout!.id;

  // The load starts once a fifth of the tenants have started, and stops by itself.
  let loadStartedAt = 0;
  let loadStoppedAt = 0;
  let load: ReturnType<typeof startCpuLoad> | undefined;
  let state = rollout!.state;
  const deadline = Date.now() + 15 * 60_000;
  while (!finalStates.has(state) && Date.now() < deadline) {
    const { rollout: current } = await unary(clients.rollouts, clients.rollouts.getRollout, { rolloutId }, callMetadata());
    state = current!.state;
    const counts = current!.counts!;
    const begun = counts.total - counts.pending - counts.queued;
    if (!load && begun >= counts.total / 5) {
      loadStartedAt = Date.now();
      load = startCpuLoad({ url: run.pgUrl, connections: run.options.loadConnections, durationMs: run.options.loadSeconds * 1000 });
      void load.done.then((result) => (loadStoppedAt = result.stoppedAt.getTime()));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (load) loadStoppedAt = (await load.stop()).stoppedAt.getTime();
  const finishedAt = Date.now();
  const tenants = await allPages(
      (pageToken) => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 1000, pageToken }, callMetadata()),
      (page) => page.tenants,
    );
  run.say(`${run.name}: rollout ${rolloutId} ${RolloutState[state]} in ${((finishedAt - startedAt) / 1000).toFixed(1)} s`);
  return {
    name: run.name,
    startedAt,
    finishedAt,
    state,
    loadStartedAt,
    loadStoppedAt,
    tenantStarts: tenants.flatMap((t: RolloutTenant) => (t.startedAt ? [t.startedAt.getTime()] : [])),
  };
}

async function waitUntilOk(client: ReturnType<typeof healthMonitorClient>, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 3 * 60_000;
  for (;;) {
    const { health } = await unary(client, client.getClusterHealth, { clusterId: 'local' }, callMetadata()).catch(() => ({ health: undefined }));
    if (health?.level === ThrottleLevel.THROTTLE_LEVEL_OK) return;
    if (Date.now() > deadline) {
      say(`cluster still ${health ? ThrottleLevel[health.level] : 'unknown'} after 3 minutes (${health?.reason}): starting anyway`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function setManual(client: ReturnType<typeof healthMonitorClient>, mode: ManualThrottleMode, reason: string): Promise<unknown> {
  return unary(client, client.setManualThrottle, { clusterId: '*', mode, reason, ttlSeconds: 0 }, callMetadata());
}

function report(runs: RunResult[], options: Options): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
  const rows = runs.map((run) => {
    const during = run.signals.filter((s) => s.cpu !== undefined && s.at >= run.loadStartedAt && s.at <= run.loadStoppedAt);
    const cpuValues = run.signals.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu]));
    const throttledMs = throttleWindows(run.signals, run.finishedAt).reduce((sum, w) => sum + (w.to - w.from), 0);
    return [
      run.name,
      RolloutState[run.state].replace('ROLLOUT_STATE_', ''),
      run.tenantStarts.length,
      seconds(run.finishedAt - run.startedAt),
      seconds(run.reaction.crossedAt && run.reaction.throttledAt ? run.reaction.throttledAt - run.reaction.crossedAt : undefined),
      seconds(run.reaction.reactionMs),
      run.reaction.startsWhileThrottled,
      seconds(throttledMs),
      average(during.map((s) => s.cpu!)).toFixed(1),
      Math.max(0, ...cpuValues).toFixed(1),
    ];
  });
  return renderTable(
    ['run', 'state', 'tenants', 'rollout s', 'cross→THROTTLED s', 'cross→last start s', 'starts while throttled', 'throttled s', 'CPU % under load (avg)', 'CPU % max'],
    rows,
  ) + `\n(${options.tenants} tenants, ${options.executors} executor(s), load ${options.loadConnections} sessions × ${options.loadSeconds} s, sample every ${options.intervalMs} ms)`;
}

function panelOf(run: RunResult, threshold: number): ThrottlePanel {
  const t0 = run.startedAt;
  const seconds = (at: number) => (at - t0) / 1000;
  return {
    title: `${run.name}: ${seconds(run.finishedAt).toFixed(1)} s, ${run.reaction.startsWhileThrottled} tenant starts while throttled (throttle above ${threshold.toFixed(0)} % CPU)`,
    cpu: run.signals.flatMap((s) => (s.cpu === undefined ? [] : [[seconds(s.at), s.cpu] as [number, number]])),
    starts: startsPerSecond(run.tenantStarts, t0, run.finishedAt),
    throttled: throttleWindows(run.signals, run.finishedAt).map((w) => ({ from: seconds(w.from), to: seconds(w.to) })),
    load: run.loadStartedAt > 0 ? { from: seconds(run.loadStartedAt), to: seconds(run.loadStoppedAt || run.finishedAt) } : undefined,
    threshold,
    durationSeconds: seconds(run.finishedAt),
  };
}

async function measureIdleCpu(durationMs: number, intervalMs: number): Promise<number> {
  const source = procStatSampler();
  const values: number[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    values.push(await source.read());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(values.length * 0.75))];
}

function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      tenants: { type: 'string', default: '300' },
      executors: { type: 'string', default: '2' },
      'load-connections': { type: 'string', default: '3' },
      'load-seconds': { type: 'string', default: '15' },
      'interval-ms': { type: 'string', default: '500' },
      out: { type: 'string', default: path.join(workspaceRoot, '.fleetshift', 'bench', 'throttle.png') },
    },
    strict: true,
  });
  const int = (name: string, value: string | undefined, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} ${value}: expected a whole number from ${min} to ${max}`);
    return n;
  };
  return {
    tenants: int('tenants', values.tenants, 1, 5000),
    executors: int('executors', values.executors, 1, 8),
    loadConnections: int('load-connections', values['load-connections'], 1, 16),
    loadSeconds: int('load-seconds', values['load-seconds'], 1, 600),
    intervalMs: int('interval-ms', values['interval-ms'], 250, 5000),
    out: path.resolve(values.out!),
  };
}
