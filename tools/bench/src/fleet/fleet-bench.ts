import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPostgres, workspaceRoot } from '@fleetshift/testing';
import type { Benchmark } from '../benchmark.js';
import { renderTable } from '../bench-table.js';
import { perSecond, rateCpuSpec, type RateCpuPanel } from '../chart/rate-cpu-spec.js';
import { renderVegaLitePng } from '../chart/vega-png.js';
import { postmasterPid, sampleDbServerCpu, type CpuProfile, type CpuSample } from '../measure/db-server-cpu.js';
import { chartSubtitle, describeMachine } from '../measure/machine.js';
import { tenantsNotAtTarget } from './at-target.js';
import { FleetMaster } from './fleet-copies.js';
import type { FleetKind } from './fleet.js';
import { fleetshiftWay } from './way-fleetshift.js';
import { floorWay } from './way-floor.js';
import { sequentialPsqlWay } from './way-sequential-psql.js';
import { thunderingHerdWay } from './way-thundering-herd.js';
import type { Way, WayName, WayOutcome } from './way.js';

interface Options {
  schemaTenants: number;
  databaseTenants: number;
  rows: number;
  only: WayName[];
  executors: number;
  timeoutMinutes: number;
  outDir: string;
}

/** One way on one fleet, measured. */
export interface FleetRunResult {
  kind: FleetKind;
  way: Way;
  tenants: number;
  outcome: WayOutcome;
  notAtTarget: string[];
  cpu: { meanPercent: number; peakPercent: number; samples: CpuSample[] };
}

const cpuSampleMs = 500;

/**
 * The same change set (v1 → v2) on the same fleet four ways, each on a fresh copy of the fleet at v1:
 * (a) Fleetshift with default settings, (b) a sequential psql loop, (c) the thundering herd
 * (xargs -P 32 psql), (d) the floor (the plan's safe SQL over two connections, nothing else). Per way:
 * wall time, tenants/s, the DB server's mean and peak CPU, throttled seconds, failures (tenants not at
 * v2 afterwards, checked in pg_catalog). Writes a PNG per fleet: tenants/s and DB CPU over time.
 */
export const fleetBenchmark: Benchmark = {
  name: 'fleet',
  description: 'one change set over a fleet four ways: Fleetshift, psql loop, xargs -P 32 herd, safe-SQL floor',
  async run(args) {
    const options = parseOptions(args);
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const serverUrl = await findPostgres();
    const machine = await describeMachine(serverUrl);
    say(machine);
    const ways = [
      fleetshiftWay({ executors: options.executors, timeoutMs: options.timeoutMinutes * 60_000, say }),
      sequentialPsqlWay,
      thunderingHerdWay,
      floorWay,
    ].filter((w) => options.only.includes(w.name));
    const results: FleetRunResult[] = [];
    const fleets: Array<[FleetKind, number]> = [['schema', options.schemaTenants], ['database', options.databaseTenants]];
    for (const [kind, count] of fleets) {
      if (count === 0) continue;
      const blueprint = `bench_fleet_${kind === 'schema' ? 's' : 'd'}`;
      const building = Date.now();
      const master = await FleetMaster.build(kind, blueprint, serverUrl, count, options.rows);
      say(`${kind} fleet: ${count} tenants × ${options.rows} orders at v1 built in ${((Date.now() - building) / 1000).toFixed(1)} s`);
      try {
        for (const way of ways) {
          await master.dropCopy();
          const copying = Date.now();
          const fleet = way.provisions ? master.unprovisioned() : await master.copy();
          say(`${way.label} on ${count} ${kind}-tenants${way.provisions ? '' : ` (fresh copy in ${((Date.now() - copying) / 1000).toFixed(1)} s)`}`);
          const ready = await way.prepare(fleet);
          let outcome: WayOutcome;
          let profile: CpuProfile;
          const sampler = sampleDbServerCpu(await postmasterPid(serverUrl), cpuSampleMs);
          try {
            outcome = await ready.run();
          } finally {
            profile = sampler.stop();
            await ready.close();
          }
          const samples = profile.samples.filter((s) => s.at > outcome.startedAt && s.at <= outcome.finishedAt + cpuSampleMs);
          const percents = samples.map((s) => s.percent);
          const notAtTarget = await tenantsNotAtTarget(fleet);
          const result: FleetRunResult = {
            kind,
            way,
            tenants: count,
            outcome,
            notAtTarget,
            cpu: { meanPercent: average(percents), peakPercent: Math.max(0, ...percents), samples },
          };
          results.push(result);
          say(`  ${row(result).join(' | ')}${outcome.note ? ` — ${outcome.note}` : ''}`);
        }
      } finally {
        await master.drop();
      }
      const kindResults = results.filter((r) => r.kind === kind);
      await mkdir(options.outDir, { recursive: true });
      const png = path.join(options.outDir, `fleet-${kind}.png`);
      const subtitle = chartSubtitle(machine);
      const title = { text: `${count} ${kind}-tenants, v1 → v2 (${options.rows} orders per tenant)`, subtitle };
      await writeFile(png, await renderVegaLitePng(rateCpuSpec(title, kindResults.map(panelOf))));
      say(`chart: ${path.relative(process.cwd(), png)}`);
    }
    await writeFile(path.join(options.outDir, 'fleet.json'), JSON.stringify({ machine, options, results: results.map(summary) }, null, 2));
    process.stdout.write(`${machine}\n${fleetTable(results)}\n`);
  },
};

export function fleetTable(results: FleetRunResult[]): string {
  return renderTable(['fleet', 'way', 'wall s', 'tenants/s', 'DB CPU % mean', 'DB CPU % peak', 'throttled s', 'lock retries', 'failures'], results.map(row));
}

function row(r: FleetRunResult): Array<string | number> {
  const seconds = (r.outcome.finishedAt - r.outcome.startedAt) / 1000;
  const done = r.tenants - r.notAtTarget.length;
  return [
    `${r.tenants} ${r.kind}`,
    r.way.label,
    seconds.toFixed(1),
    (done / seconds).toFixed(1),
    r.cpu.meanPercent.toFixed(0),
    r.cpu.peakPercent.toFixed(0),
    r.outcome.throttledSeconds === undefined ? '-' : r.outcome.throttledSeconds.toFixed(1),
    r.outcome.lockRetries ?? '-',
    r.notAtTarget.length,
  ];
}

function summary(r: FleetRunResult) {
  const [fleet, way, wallSeconds, tenantsPerSecond, cpuMean, cpuPeak, throttledSeconds, lockRetries, failures] = row(r);
  return { fleet, way, wallSeconds, tenantsPerSecond, cpuMean, cpuPeak, throttledSeconds, lockRetries, failures, note: r.outcome.note };
}

function panelOf(r: FleetRunResult): RateCpuPanel {
  const t0 = r.outcome.startedAt;
  const seconds = (r.outcome.finishedAt - t0) / 1000;
  return {
    title: `${r.way.label}: ${seconds.toFixed(1)} s, ${r.notAtTarget.length} failed`,
    rate: perSecond(r.outcome.finishes, t0, r.outcome.finishedAt),
    cpu: r.cpu.samples.map((s) => [(s.at - t0) / 1000, s.percent]),
    throttled: (r.outcome.throttled ?? []).map((w) => ({ from: (w.from - t0) / 1000, to: (w.to - t0) / 1000 })),
    durationSeconds: seconds,
  };
}

function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      'schema-tenants': { type: 'string', default: '2000' },
      'database-tenants': { type: 'string', default: '500' },
      rows: { type: 'string', default: '3000' },
      only: { type: 'string', default: 'a,b,c,d' },
      executors: { type: 'string', default: '1' },
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
  const only = values.only!.split(',').map((s) => s.trim());
  const unknown = only.filter((w) => !['a', 'b', 'c', 'd'].includes(w));
  if (unknown.length || only.length === 0) throw new Error(`--only ${values.only}: expected a comma-separated list of a, b, c, d`);
  return {
    schemaTenants: int('schema-tenants', values['schema-tenants'], 0, 20_000),
    databaseTenants: int('database-tenants', values['database-tenants'], 0, 5_000),
    rows: int('rows', values.rows, 10, 1_000_000),
    only: only as WayName[],
    executors: int('executors', values.executors, 1, 8),
    timeoutMinutes: int('timeout-minutes', values['timeout-minutes'], 1, 240),
    outDir: path.resolve(values['out-dir']!),
  };
}
