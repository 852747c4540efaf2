import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPostgres, workspaceRoot } from '@fleetshift/testing';
import type { Benchmark } from '../benchmark.js';
import { renderTable } from '../bench-table.js';
import { describeMachine } from '../measure/machine.js';
import { tenantsNotAtTarget } from '../fleet/at-target.js';
import { FleetMaster } from '../fleet/fleet-copies.js';
import type { Fleet } from '../fleet/fleet.js';
import { fleetshiftWay } from '../fleet/way-fleetshift.js';
import { sequentialPsqlWay } from '../fleet/way-sequential-psql.js';
import { thunderingHerdWay } from '../fleet/way-thundering-herd.js';
import type { Way, WayOutcome } from '../fleet/way.js';
import { startAppWorkload, type AppWorkloadResult } from './app-workload.js';
import { runHeldLockScenario, type HeldLockResult } from './held-lock-scenario.js';
import { summarizeLatencies, zeroDowntimeVerdict, type LatencySummary } from './latency-summary.js';

interface Options {
  tenants: number;
  rows: number;
  rate: number;
  clients: number;
  baselineSeconds: number;
  holdSeconds: number;
  executors: number;
  only: string[];
  outDir: string;
}

interface CaseResult {
  label: string;
  wallSeconds?: number;
  throttledSeconds?: number;
  failures?: number;
  summary: LatencySummary;
}

const warmupMs = 3000;
/** pgbench loses its last buffered log lines when stopped: stop this long after the period measured. */
const tailMs = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Zero downtime as the application sees it: a rate-limited pgbench workload (2 reads, 1 update,
 * 1 insert per transaction on a random tenant) runs while the fleet is migrated — no migration
 * (baseline), (a) Fleetshift with defaults, (b) the sequential psql loop, (c) the xargs -P 32 herd — each
 * on a fresh copy of the fleet. Reports p50/p99/max latency, throughput and errors over the migration, and
 * whether Fleetshift meets the bar. Then a long application transaction on one tenant while the
 * migration reaches it.
 */
export const zdtBenchmark: Benchmark = {
  name: 'zdt',
  description: 'application latency (pgbench) during a migration: baseline, Fleetshift, psql loop, herd; a held lock',
  async run(args) {
    const options = parseOptions(args);
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const serverUrl = await findPostgres();
    const machine = await describeMachine(serverUrl);
    say(machine);
    const master = await FleetMaster.build('schema', 'bench_zdt', serverUrl, options.tenants, options.rows);
    say(`${options.tenants} schema-tenants × ${options.rows} orders at v1 built`);
    const cases: CaseResult[] = [];
    const held: HeldLockResult[] = [];
    const ways: Array<[string, Way]> = [
      ['a', fleetshiftWay({ executors: options.executors, timeoutMs: 30 * 60_000, say })],
      ['b', sequentialPsqlWay],
      ['c', thunderingHerdWay],
    ];
    const fresh = async (way?: Way): Promise<Fleet> => {
      await master.dropCopy();
      return way?.provisions ? master.unprovisioned() : master.copy();
    };
    try {
      if (options.only.includes('baseline')) {
        const fleet = await fresh();
        say(`baseline: no migration, ${options.baselineSeconds} s`);
        const app = await startAppWorkload(fleet, options);
        await sleep(warmupMs);
        const from = Date.now();
        await sleep(options.baselineSeconds * 1000);
        const to = Date.now();
        await sleep(tailMs);
        const result = await app.stop();
        cases.push({ label: 'baseline (no migration)', summary: summarizeLatencies(result.transactions, from, to, result.errors.map((e) => e.at)) });
      }
      for (const [name, way] of ways) {
        if (!options.only.includes(name)) continue;
        const fleet = await fresh(way);
        say(`${way.label} under the application workload`);
        const ready = await way.prepare(fleet);
        let outcome: WayOutcome;
        let result: AppWorkloadResult;
        try {
          const app = await startAppWorkload(fleet, options);
          try {
            await sleep(warmupMs);
            outcome = await ready.run();
            await sleep(tailMs);
          } finally {
            result = await app.stop();
          }
        } finally {
          await ready.close();
        }
        const failures = (await tenantsNotAtTarget(fleet)).length;
        cases.push({
          label: way.label,
          wallSeconds: (outcome.finishedAt - outcome.startedAt) / 1000,
          throttledSeconds: outcome.throttledSeconds,
          failures,
          summary: summarizeLatencies(result.transactions, outcome.startedAt, outcome.finishedAt, result.errors.map((e) => e.at)),
        });
        if (result.errors.length) say(`  application errors, first: ${result.errors[0]!.line.slice(0, 200)}`);
      }
      for (const way of ['a', 'b'] as const) {
        if (!options.only.includes(`hold-${way}`)) continue;
        const fleet = await fresh(way === 'a' ? ways[0]![1] : sequentialPsqlWay);
        say(`held lock: a long transaction on one tenant while ${way === 'a' ? 'Fleetshift' : 'the psql loop'} reaches it (held ${options.holdSeconds} s after)`);
        held.push(await runHeldLockScenario(fleet, way === 'a' ? ways[0]![1] : sequentialPsqlWay, options));
      }
    } finally {
      await master.drop();
    }
    const out = [machine, latencyTable(cases), verdictLines(cases), heldTable(held)].filter(Boolean).join('\n');
    await mkdir(options.outDir, { recursive: true });
    await writeFile(path.join(options.outDir, 'zdt.json'), JSON.stringify({ machine, options, cases, held }, null, 2));
    process.stdout.write(`${out}\n`);
  },
};

function latencyTable(cases: CaseResult[]): string {
  if (cases.length === 0) return '';
  return renderTable(
    ['case', 'migration s', 'throttled s', 'failed tenants', 'app tx/s', 'p50 ms', 'p99 ms', 'max ms', 'app errors'],
    cases.map((c) => [
      c.label,
      c.wallSeconds === undefined ? '-' : c.wallSeconds.toFixed(1),
      c.throttledSeconds === undefined ? '-' : c.throttledSeconds.toFixed(1),
      c.failures ?? '-',
      c.summary.throughput.toFixed(1),
      c.summary.p50.toFixed(1),
      c.summary.p99.toFixed(1),
      c.summary.max.toFixed(1),
      c.summary.errors,
    ]),
  );
}

function verdictLines(cases: CaseResult[]): string {
  const baseline = cases.find((c) => c.label.startsWith('baseline'));
  if (!baseline) return '';
  return cases
    .filter((c) => c !== baseline)
    .map((c) => {
      const v = zeroDowntimeVerdict(baseline.summary, c.summary);
      const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
      const b = baseline.summary;
      const d = c.summary;
      return (
        `${c.label}: ${v.ok ? 'MEETS' : 'does NOT meet'} the bar — ` +
        `throughput ${d.throughput.toFixed(1)} ≥ ${(0.8 * b.throughput).toFixed(1)} tx/s (80 % of baseline): ${mark(v.throughputOk)}, ` +
        `p99 ${d.p99.toFixed(1)} ≤ ${(1.5 * b.p99).toFixed(1)} ms (1.5× baseline): ${mark(v.p99Ok)}, ` +
        `max ${d.max.toFixed(1)} < 100 ms: ${mark(v.maxOk)}, errors ${d.errors} = 0: ${mark(v.errorsOk)}`
      );
    })
    .join('\n');
}

function heldTable(held: HeldLockResult[]): string {
  if (held.length === 0) return '';
  const s = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));
  return renderTable(
    ['held lock', 'wall s', 'blocked at s', 'released at s', 'held tenant', 'its lock retries (rollout)', 'it finished at s', 'others done meanwhile', 'longest app wait, held tenant ms', 'longest app wait, others ms', 'app errors'],
    held.map((h) => [
      h.way,
      s(h.wallSeconds),
      s(h.blockedAfter),
      s(h.releasedAfter),
      `${h.heldTenant}${h.heldTenantState ? ` ${h.heldTenantState}` : ''}`,
      h.heldTenantLockRetries === undefined ? '-' : `${h.heldTenantLockRetries} (${h.lockRetries})`,
      s(h.heldTenantFinishedAfter),
      `${h.othersFinishedMeanwhile} of ${h.tenants - 1}`,
      h.longestWaitHeldMs.toFixed(0),
      h.longestWaitOthersMs.toFixed(0),
      h.appErrors,
    ]),
  );
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      tenants: { type: 'string', default: '200' },
      rows: { type: 'string', default: '3000' },
      rate: { type: 'string', default: '100' },
      clients: { type: 'string', default: '8' },
      'baseline-seconds': { type: 'string', default: '20' },
      'hold-seconds': { type: 'string', default: '10' },
      executors: { type: 'string', default: '1' },
      only: { type: 'string', default: 'baseline,a,b,c,hold-a,hold-b' },
      'out-dir': { type: 'string', default: path.join(workspaceRoot, '.fleetshift', 'bench') },
    },
    strict: true,
  });
  const int = (name: string, value: string | undefined, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} ${value}: expected a whole number from ${min} to ${max}`);
    return n;
  };
  const known = ['baseline', 'a', 'b', 'c', 'hold-a', 'hold-b'];
  const only = values.only!.split(',').map((s) => s.trim());
  const unknown = only.filter((o) => !known.includes(o));
  if (unknown.length || only.length === 0) throw new Error(`--only ${values.only}: expected a comma-separated list of ${known.join(', ')}`);
  return {
    tenants: int('tenants', values.tenants, 2, 5000),
    rows: int('rows', values.rows, 10, 1_000_000),
    rate: int('rate', values.rate, 1, 5000),
    clients: int('clients', values.clients, 1, 64),
    baselineSeconds: int('baseline-seconds', values['baseline-seconds'], 1, 600),
    holdSeconds: int('hold-seconds', values['hold-seconds'], 1, 120),
    executors: int('executors', values.executors, 1, 8),
    only,
    outDir: path.resolve(values['out-dir']!),
  };
}
