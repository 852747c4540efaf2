import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPostgres, workspaceRoot } from '@fleetshift/testing';
import type { Benchmark } from '../benchmark.js';
import { renderTable } from '../bench-table.js';
import { renderVegaLitePng } from '../chart/vega-png.js';
import { deployFleetshift } from '../fleetshift/deployment.js';
import { describeMachine } from '../measure/machine.js';
import { clusterProgressSpec } from './progress-chart.js';
import { runSimulatedRollout, type ScaleRunResult } from './scale-run.js';
import { setUpSimulatedFleet } from './simulated-fleet.js';

interface Options {
  tenants: number;
  clusters: number;
  executors: number;
  perCluster: number;
  batchSize: number;
  held: number;
  randomlyThrottled: number;
  delayMedianMs: number;
  timeoutMinutes: number;
  outDir: string;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/**
 * The control plane at scale, with a simulated fleet: the real planner, scheduler, health monitor and
 * executors (processes), NATS JetStream and the control DB; the executors in simulation mode, where a
 * stand-in takes each tenant's lock and reports after a drawn delay instead of running DDL. Prints what
 * the issue asks for and writes a chart of each cluster's progress.
 */
export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: 'the control plane with a simulated fleet (default 100,000 tenants on 20 clusters): CreateRollout, ingest, overhead, API p99, RSS',
  async run(args) {
    const options = parseOptions(args);
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const serverUrl = await findPostgres();
    const machine = await describeMachine(serverUrl);
    say(machine);
    const deployment = await deployFleetshift(serverUrl, {
      executors: options.executors,
      label: 'scale',
      env: {
        FLEETSHIFT_EXECUTOR_SIMULATE: '1',
        FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_MEDIAN_MS: String(options.delayMedianMs),
      },
    });
    let result: ScaleRunResult;
    let fleet;
    try {
      say(`registering ${options.tenants} simulated tenants on ${options.clusters} clusters …`);
      fleet = await setUpSimulatedFleet(deployment, serverUrl, { tenants: options.tenants, clusters: options.clusters, connectionBudget: options.perCluster });
      say(`registered in ${fleet.registerSeconds.toFixed(1)} s (bulk)`);
      try {
        result = await runSimulatedRollout(deployment, fleet, serverUrl, {
          batchSize: options.batchSize,
          perCluster: options.perCluster,
          held: options.held,
          randomlyThrottled: options.randomlyThrottled,
          probes: true,
          timeoutMs: options.timeoutMinutes * 60_000,
          onProgress: say,
        });
      } finally {
        await deployment.close().catch((error: unknown) => say(`cleanup: ${(error as Error).message}`));
        await fleet.drop().catch(() => undefined);
      }
    } catch (error) {
      await deployment.close().catch(() => undefined);
      throw error;
    }

    const running = options.clusters - options.held;
    const parallelism = running * options.perCluster;
    const overhead = result.othersDoneSeconds - result.standIn.othersDelayMs / 1000 / parallelism;
    const bytesPer10k = ((result.controlBytesAfter - fleet.controlBytesEmpty) / options.tenants) * 10_000;
    const rows: Array<[string, string | number]> = [
      ['tenants / clusters / executors', `${options.tenants} / ${options.clusters} / ${options.executors}`],
      ['rollout state', `${result.state} in ${result.wallSeconds.toFixed(1)} s`],
      ['bulk registration of the tenants (s)', fleet.registerSeconds.toFixed(1)],
      ['CreateRollout wall time (ms)', result.createRolloutMs.toFixed(0)],
      ['batches published / s', `${result.batchesPerSecond.toFixed(1)} (${result.batchesPublished} batches)`],
      ['results ingested / s', `${result.resultsPerSecond.toFixed(0)} (${result.resultsIngested} reports, RUNNING and final)`],
      [`clusters not held: all done at (s)`, result.othersDoneSeconds.toFixed(1)],
      [`stand-in work, clusters not held (s) / parallelism`, `${(result.standIn.othersDelayMs / 1000).toFixed(0)} / ${parallelism}`],
      ['end-to-end scheduling overhead (s)', overhead.toFixed(1)],
      ['control DB per 10,000 tenants (MB)', mb(bytesPer10k)],
      ['held cluster(s) when the others were done', `${result.heldClusters.join(', ') || '-'}: ${JSON.stringify(result.heldStatesWhenOthersDone)}`],
      ['random throttles', result.throttleWindows.map((w) => `${w.clusterId} ${w.from.toFixed(0)}–${w.to.toFixed(0)} s`).join(', ') || '-'],
      ['reported once: control store / stand-in', `${result.controlDuplicateReports === 0 ? 'yes' : `${result.controlDuplicateReports} tenants twice`} / once ${result.standIn.once}, more ${result.standIn.more}, never ${result.standIn.never}`],
      ['tenant states (control store)', JSON.stringify(result.controlStates)],
    ];
    for (const [name, latency] of Object.entries(result.api)) {
      rows.push([`API p99 ${name} (ms; p50, max, calls, failures)`, `${latency.summary.p99.toFixed(0)} (${latency.summary.p50.toFixed(0)}, ${latency.summary.max.toFixed(0)}, ${latency.summary.calls}, ${latency.failures})`]);
    }
    for (const [name, bytes] of result.peakRss) rows.push([`peak RSS ${name} (MB)`, mb(bytes)]);
    process.stdout.write(`${machine}\n${renderTable(['measure', 'value'], rows)}\n`);

    await mkdir(options.outDir, { recursive: true });
    const windows = [
      ...result.throttleWindows,
      ...result.heldClusters.map((clusterId) => ({ clusterId, from: 0, to: result.othersDoneSeconds })),
    ];
    const png = path.join(options.outDir, `scale-${options.tenants}.png`);
    const spec = clusterProgressSpec(
      { text: `${options.tenants} simulated tenants on ${options.clusters} clusters: tenants final per cluster`, subtitle: `${options.held} held throughout, ${options.randomlyThrottled} throttled once at random (shaded) · ${machine.slice(0, 120)}` },
      result.progress,
      windows,
    );
    await writeFile(png, await renderVegaLitePng(spec));
    await writeFile(path.join(options.outDir, `scale-${options.tenants}.json`), JSON.stringify({ machine, options, rows, windows }, null, 2));
    say(`chart: ${png}`);
  },
};

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      tenants: { type: 'string', default: '100000' },
      clusters: { type: 'string', default: '20' },
      executors: { type: 'string', default: '4' },
      'per-cluster': { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '100' },
      held: { type: 'string', default: '1' },
      throttled: { type: 'string', default: '3' },
      'delay-median-ms': { type: 'string', default: '30' },
      'timeout-minutes': { type: 'string', default: '60' },
      'out-dir': { type: 'string', default: path.join(workspaceRoot, '.fleetshift', 'bench') },
    },
    strict: true,
  });
  const int = (name: string, value: string | undefined, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} ${value}: expected a whole number from ${min} to ${max}`);
    return n;
  };
  const clusters = int('clusters', values.clusters, 1, 200);
  return {
    tenants: int('tenants', values.tenants, 1, 1_000_000),
    clusters,
    executors: int('executors', values.executors, 1, 16),
    perCluster: int('per-cluster', values['per-cluster'], 1, 16),
    batchSize: int('batch-size', values['batch-size'], 1, 10_000),
    held: int('held', values.held, 0, clusters - 1),
    randomlyThrottled: int('throttled', values.throttled, 0, clusters),
    delayMedianMs: int('delay-median-ms', values['delay-median-ms'], 1, 60_000),
    timeoutMinutes: int('timeout-minutes', values['timeout-minutes'], 1, 240),
    outDir: path.resolve(values['out-dir']!),
  };
}
