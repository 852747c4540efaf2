import pg from 'pg';
import {
  callMetadata,
  CreateRolloutRequest,
  ManualThrottleMode,
  RolloutState,
  unary,
  type WatchRolloutResponse,
} from '@fleetshift/contracts';
import { standInRecord } from '@fleetshift/tenant-ledger';
import { databaseUrl } from '@fleetshift/testing';
import type { Deployment } from '../fleetshift/deployment.js';
import { probeLoop, type LatencySummary } from './latency-probe.js';
import { sampleMemory } from './service-memory.js';
import { simulatedBlueprint, type SimulatedFleet } from './simulated-fleet.js';

const finalStates = new Set([RolloutState.ROLLOUT_STATE_SUCCEEDED, RolloutState.ROLLOUT_STATE_FAILED, RolloutState.ROLLOUT_STATE_HALTED, RolloutState.ROLLOUT_STATE_CANCELLED]);

export interface ScaleRunOptions {
  batchSize: number;
  /** Tenants at once per cluster (tenant_concurrency; the clusters' connection budget is the same). */
  perCluster: number;
  /** Clusters throttled before CreateRollout and released only once every other cluster is done. */
  held: number;
  /** Other clusters throttled once, at a random moment, for a random 5–15 s. */
  randomlyThrottled: number;
  /** Probe the API (GetRollout, ListRolloutTenants paged, WatchRollout) during the run. */
  probes: boolean;
  timeoutMs: number;
  random?: () => number;
  onProgress?: (line: string) => void;
}

export interface ClusterProgressPoint {
  seconds: number;
  clusterId: string;
  done: number;
}

export interface ScaleRunResult {
  rolloutId: string;
  state: RolloutState;
  createRolloutMs: number;
  /** CreateRollout sent → rollout final (seconds). */
  wallSeconds: number;
  /** CreateRollout sent → every tenant of the clusters not held final (seconds). */
  othersDoneSeconds: number;
  heldClusters: string[];
  /** When the other clusters were done: tenants of the held clusters by state (control store). */
  heldStatesWhenOthersDone: Record<string, number>;
  /** When the other clusters were done: tenants of the other clusters not final. */
  othersOpenWhenDone: number;
  throttleWindows: Array<{ clusterId: string; from: number; to: number }>;
  batchesPublished: number;
  batchesPerSecond: number;
  resultsIngested: number;
  resultsPerSecond: number;
  /** Control store: tenants by final state, and tenants whose final report is stored more than once. */
  controlStates: Record<string, number>;
  controlDuplicateReports: number;
  /** The stand-in's own record: tenants run once, more than once, never; the drawn work. */
  standIn: { once: number; more: number; never: number; totalDelayMs: number; othersDelayMs: number };
  parallelism: number;
  controlBytesAfter: number;
  peakRss: Map<string, number>;
  api: Record<'getRollout' | 'listRolloutTenants' | 'watchRollout', { summary: LatencySummary; failures: number }>;
  progress: ClusterProgressPoint[];
}

/**
 * One simulated rollout over the fleet, measured from outside the services: CreateRollout with the
 * options' batch size and per-cluster concurrency, the held clusters throttled throughout (manual
 * override, released when every other cluster is done), a few others throttled at random moments; the
 * API probed meanwhile; every service's RSS and each cluster's progress sampled; then the control store's
 * and the stand-in's records read and compared.
 */
export async function runSimulatedRollout(deployment: Deployment, fleet: SimulatedFleet, serverUrl: string, options: ScaleRunOptions): Promise<ScaleRunResult> {
  const random = options.random ?? Math.random;
  const { clients, monitor } = deployment;
  const meta = callMetadata();
  const heldClusters = fleet.clusterIds.slice(-options.held || fleet.clusterIds.length).slice(0, options.held);
  const others = fleet.clusterIds.filter((id) => !heldClusters.includes(id));
  const setMode = (clusterId: string, mode: ManualThrottleMode, reason: string) =>
    unary(monitor, monitor.setManualThrottle, { clusterId, mode, reason, ttlSeconds: 0 }, meta);
  for (const clusterId of heldClusters) await setMode(clusterId, ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE, 'simulation: held the whole run');
  // The scheduler reads the throttle from KV before publishing: wait until the held clusters' signals say so.
  await waitForLevels(deployment, heldClusters, true);

  const processes: Record<string, number> = {
    scheduler: deployment.stack.scheduler.process.pid!,
    planner: deployment.stack.planner.process.pid!,
    'health-monitor': deployment.stack.healthMonitor.process.pid!,
    ...Object.fromEntries(deployment.stack.executors.map((e, i) => [`executor-${i + 1}`, e.process.pid!])),
  };
  const memory = sampleMemory(processes);
  const control = new pg.Pool({ connectionString: deployment.controlDatabaseUrl, max: 2, application_name: 'fleetshift-bench-scale' });
  const progress: ClusterProgressPoint[] = [];
  const throttleWindows: ScaleRunResult['throttleWindows'] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const started = performance.now();
    const created = await unary(
      clients.rollouts,
      clients.rollouts.createRollout,
      CreateRolloutRequest.fromPartial({
        blueprint: simulatedBlueprint,
        version: fleet.targetVersion,
        batchSize: options.batchSize,
        maxBatchesInFlight: fleet.clusterIds.length * 2,
        tenantConcurrency: options.perCluster,
      }),
      meta,
      { deadline: Date.now() + 600_000 },
    );
    const createRolloutMs = performance.now() - started;
    const rolloutId = created.rollout!.id;
    const seconds = () => (performance.now() - started) / 1000;
    options.onProgress?.(`CreateRollout ${createRolloutMs.toFixed(0)} ms (rollout ${rolloutId})`);

    // Random throttles: each chosen cluster once, 2–30 s after the start, for 5–15 s.
    const candidates = [...others].sort(() => random() - 0.5).slice(0, options.randomlyThrottled);
    for (const clusterId of candidates) {
      const at = 2_000 + random() * 28_000;
      const length = 5_000 + random() * 10_000;
      timers.push(
        setTimeout(() => {
          const from = seconds();
          void setMode(clusterId, ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE, 'simulation: random throttle').then(() => {
            timers.push(
              setTimeout(() => {
                void setMode(clusterId, ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE, 'simulation: random throttle over').then(() =>
                  throttleWindows.push({ clusterId, from, to: seconds() }),
                );
              }, length),
            );
          });
        }, at),
      );
    }

    let pageToken = '';
    const probes = options.probes
      ? {
          getRollout: probeLoop(() => unary(clients.rollouts, clients.rollouts.getRollout, { rolloutId }, meta), 200),
          listRolloutTenants: probeLoop(async () => {
            const page = await unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 1000, pageToken }, meta);
            pageToken = page.nextPageToken;
          }, 200),
          watchRollout: probeLoop(() => firstWatchMessage(deployment, rolloutId), 200),
        }
      : undefined;

    let othersDoneSeconds = 0;
    let heldStatesWhenOthersDone: Record<string, number> = {};
    let othersOpenWhenDone = 0;
    let state = created.rollout!.state;
    const deadline = Date.now() + options.timeoutMs;
    let lastLine = 0;
    while (Date.now() < deadline) {
      const t = seconds();
      const { rows } = await control.query<{ cluster_id: string; state: string; n: number }>(
        'SELECT cluster_id, state, count(*)::int AS n FROM rollout_tenants WHERE rollout_id = $1 GROUP BY cluster_id, state',
        [rolloutId],
      );
      const doneBy = new Map<string, number>();
      let othersOpen = 0;
      const heldStates: Record<string, number> = {};
      for (const row of rows) {
        const final = ['succeeded', 'failed', 'skipped', 'cancelled'].includes(row.state);
        if (final) doneBy.set(row.cluster_id, (doneBy.get(row.cluster_id) ?? 0) + row.n);
        if (heldClusters.includes(row.cluster_id)) heldStates[row.state] = (heldStates[row.state] ?? 0) + row.n;
        else if (!final) othersOpen += row.n;
      }
      for (const clusterId of fleet.clusterIds) progress.push({ seconds: t, clusterId, done: doneBy.get(clusterId) ?? 0 });
      if (t - lastLine > 10) {
        lastLine = t;
        const done = [...doneBy.values()].reduce((a, b) => a + b, 0);
        options.onProgress?.(`${t.toFixed(0)} s: ${done}/${fleet.tenants} tenants final`);
      }
      if (!othersDoneSeconds && othersOpen === 0 && rows.length) {
        othersDoneSeconds = t;
        heldStatesWhenOthersDone = heldStates;
        othersOpenWhenDone = othersOpen;
        options.onProgress?.(`${t.toFixed(1)} s: every cluster but the held ones is done; releasing ${heldClusters.join(', ') || '(none)'}`);
        for (const clusterId of heldClusters) await setMode(clusterId, ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE, 'simulation: the others are done');
      }
      state = (await unary(clients.rollouts, clients.rollouts.getRollout, { rolloutId }, meta)).rollout!.state;
      if (finalStates.has(state)) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const wallSeconds = seconds();
    if (!othersDoneSeconds) othersDoneSeconds = wallSeconds;
    const api = probes
      ? { getRollout: await probes.getRollout.stop(), listRolloutTenants: await probes.listRolloutTenants.stop(), watchRollout: await probes.watchRollout.stop() }
      : { getRollout: none(), listRolloutTenants: none(), watchRollout: none() };
    for (const clusterId of fleet.clusterIds) progress.push({ seconds: wallSeconds, clusterId, ...(await clusterDone(control, rolloutId, clusterId)) });

    const batches = (
      await control.query<{ n: number; span: number }>(
        `SELECT count(*)::int AS n, COALESCE(extract(epoch FROM max(published_at) - min(published_at)), 0)::float AS span
         FROM rollout_batches WHERE rollout_id = $1 AND published_at IS NOT NULL`,
        [rolloutId],
      )
    ).rows[0]!;
    const results = (
      await control.query<{ n: number; span: number }>(
        `SELECT count(*)::int AS n, COALESCE(extract(epoch FROM max(at) - min(at)), 0)::float AS span FROM tenant_events WHERE rollout_id = $1`,
        [rolloutId],
      )
    ).rows[0]!;
    const states = Object.fromEntries(
      (await control.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM rollout_tenants WHERE rollout_id = $1 GROUP BY state', [rolloutId])).rows.map((r) => [r.state, r.n]),
    );
    const duplicates = (
      await control.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT tenant_id FROM tenant_events WHERE rollout_id = $1 AND kind IN ('succeeded', 'failed', 'skipped')
         GROUP BY tenant_id HAVING count(*) > 1) d`,
        [rolloutId],
      )
    ).rows[0]!.n;
    const controlBytesAfter = Number((await control.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0]!.size);

    const sim = new pg.Client({ connectionString: databaseUrl(serverUrl, fleet.database) });
    await sim.connect();
    let standIn: ScaleRunResult['standIn'];
    try {
      const record = await standInRecord(sim, rolloutId);
      const runs = [...record.runsByTenant.values()];
      const heldTenants = await sim.query<{ delay: string }>(
        `SELECT COALESCE(sum(r.delay_ms), 0)::bigint AS delay FROM fleetshift_sim.stand_in_runs r WHERE r.rollout_id = $1 AND r.tenant_id = ANY($2)`,
        [rolloutId, heldTenantIds(fleet, heldClusters)],
      );
      standIn = {
        once: runs.filter((n) => n === 1).length,
        more: runs.filter((n) => n > 1).length,
        never: fleet.tenants - record.runsByTenant.size,
        totalDelayMs: record.totalDelayMs,
        othersDelayMs: record.totalDelayMs - Number(heldTenants.rows[0]!.delay),
      };
    } finally {
      await sim.end();
    }
    return {
      rolloutId,
      state,
      createRolloutMs,
      wallSeconds,
      othersDoneSeconds,
      heldClusters,
      heldStatesWhenOthersDone,
      othersOpenWhenDone,
      throttleWindows,
      batchesPublished: batches.n,
      batchesPerSecond: batches.span > 0 ? batches.n / batches.span : batches.n,
      resultsIngested: results.n,
      resultsPerSecond: results.span > 0 ? results.n / results.span : results.n,
      controlStates: states,
      controlDuplicateReports: duplicates,
      standIn,
      parallelism: options.perCluster,
      controlBytesAfter,
      peakRss: (await memory.stop(), memory.peaks()),
      api,
      progress,
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await memory.stop();
    await control.end();
  }
}

const none = () => ({ summary: { calls: 0, p50: 0, p99: 0, max: 0 }, failures: 0 });

/** The ids of the tenants on the held clusters (round-robin placement, simulated-fleet.ts). */
function heldTenantIds(fleet: SimulatedFleet, held: string[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i < fleet.tenants; i++) if (held.includes(fleet.clusterIds[i % fleet.clusterIds.length]!)) ids.push(`t${String(i + 1).padStart(7, '0')}`);
  return ids;
}

async function clusterDone(control: pg.Pool, rolloutId: string, clusterId: string): Promise<{ done: number }> {
  const { rows } = await control.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM rollout_tenants WHERE rollout_id = $1 AND cluster_id = $2 AND state IN ('succeeded', 'failed', 'skipped', 'cancelled')`,
    [rolloutId, clusterId],
  );
  return { done: rows[0]!.n };
}

/** Opens WatchRollout and resolves on its first message (then cancels the stream). */
function firstWatchMessage(deployment: Deployment, rolloutId: string): Promise<void> {
  const { clients } = deployment;
  return new Promise((resolve, reject) => {
    const call = clients.rollouts.watchRollout({ rolloutId }, callMetadata(), { deadline: Date.now() + 10_000 });
    call.once('data', (_message: WatchRolloutResponse) => {
      resolve();
      call.cancel();
    });
    call.once('error', (error: Error & { code?: number }) => {
      if (error.code === 1) return; // CANCELLED: ours, after the first message
      reject(error);
    });
    call.once('end', () => resolve());
  });
}

/** Waits until the health monitor reports each cluster throttled (or each OK). */
async function waitForLevels(deployment: Deployment, clusterIds: string[], throttled: boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const levels = await Promise.all(
      clusterIds.map((clusterId) => unary(deployment.monitor, deployment.monitor.getClusterHealth, { clusterId }, callMetadata()).then((r) => r.health?.level ?? 0).catch(() => 0)),
    );
    if (levels.every((level) => (throttled ? level >= 2 : level === 1))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the health monitor did not report ${clusterIds.join(', ')} ${throttled ? 'throttled' : 'OK'} within 60 s`);
}
