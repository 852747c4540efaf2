import { parseArgs } from 'node:util';
import { findPostgres } from '@fleetshift/testing';
import { createBenchDatabase } from './bench-database.js';
import type { Benchmark } from './benchmark.js';
import { renderTable } from './bench-table.js';
import { applyChangeSet, type ChangeSetSummary } from './change-set.js';
import { planWithFleetshift } from './fleetshift-planner.js';
import type { PlannerRun } from './planner-run.js';
import { planWithMigra } from './migra-planner.js';
import { renderDdlStatements } from './render-ddl.js';
import { generateSchema } from './schema-generator.js';
import { median, timed } from './timing.js';

/** Defaults of the plan benchmark (override: --sizes 50,300 --runs 5). */
export const planBenchDefaults = { sizes: [50, 300, 2000], runs: 3 } as const;

/** One schema size's result. */
export interface PlanBenchRow {
  tables: number;
  fleetshiftMs: number;
  /** Median of the introspection part of Fleetshift's runs. */
  fleetshiftIntrospectMs: number;
  migraMs: number;
  fleetshiftStatements: number;
  migraStatements: number;
  changes: ChangeSetSummary;
}

/**
 * For each size: two databases (the generated schema, and it after a realistic change set), then,
 * after one warm-up each, `runs` alternating timings of Fleetshift (introspect both + diff + SQL) and
 * @pgkit/migra on the same two databases; medians reported.
 */
export async function runPlanBench(sizes: readonly number[], runs: number, log: (line: string) => void = () => undefined): Promise<PlanBenchRow[]> {
  const serverUrl = await findPostgres();
  const rows: PlanBenchRow[] = [];
  for (const tables of sizes) {
    log(`plan bench: ${tables} tables: creating the two databases`);
    rows.push(await benchSize(serverUrl, tables, runs, log));
  }
  return rows;
}

async function benchSize(serverUrl: string, tables: number, runs: number, log: (line: string) => void): Promise<PlanBenchRow> {
  const fromSchema = generateSchema(tables);
  const { schema: toSchema, summary } = applyChangeSet(fromSchema);
  const from = await createBenchDatabase(serverUrl, `${tables}_from`, renderDdlStatements(fromSchema));
  const to = await createBenchDatabase(serverUrl, `${tables}_to`, renderDdlStatements(toSchema)).catch(async (error) => {
    await from.drop();
    throw error;
  });
  try {
    const fleetshift = () => planWithFleetshift(from.url, to.url);
    const migra = () => planWithMigra(from.url, to.url);
    const warm = { fleetshift: await fleetshift(), migra: await migra() };
    const times = { fleetshift: [] as number[], introspect: [] as number[], migra: [] as number[] };
    for (let run = 1; run <= runs; run++) {
      const measured = await timed(fleetshift);
      times.fleetshift.push(measured.ms);
      times.introspect.push(measured.result.introspectMs ?? 0);
      times.migra.push((await timed(migra)).ms);
      log(`plan bench: ${tables} tables: run ${run}/${runs}: fleetshift ${fmt(times.fleetshift.at(-1)!)} ms, migra ${fmt(times.migra.at(-1)!)} ms`);
    }
    return row(tables, times, warm, summary);
  } finally {
    await Promise.all([from.drop(), to.drop()]);
  }
}

function row(
  tables: number,
  times: { fleetshift: number[]; introspect: number[]; migra: number[] },
  warm: { fleetshift: PlannerRun; migra: PlannerRun },
  changes: ChangeSetSummary,
): PlanBenchRow {
  return {
    tables,
    fleetshiftMs: median(times.fleetshift),
    fleetshiftIntrospectMs: median(times.introspect),
    migraMs: median(times.migra),
    fleetshiftStatements: warm.fleetshift.statements,
    migraStatements: warm.migra.statements,
    changes,
  };
}

/** The benchmark's table: tables, medians, how many times faster Fleetshift is, statement counts. */
export function planBenchTable(rows: PlanBenchRow[]): string {
  return renderTable(
    ['tables', 'fleetshift ms', '(of which introspect)', 'migra ms', 'ratio (migra/fleetshift)', 'fleetshift statements', 'migra statements'],
    rows.map((r) => [
      r.tables,
      fmt(r.fleetshiftMs),
      fmt(r.fleetshiftIntrospectMs),
      fmt(r.migraMs),
      `${(r.migraMs / r.fleetshiftMs).toFixed(1)}x`,
      r.fleetshiftStatements,
      r.migraStatements,
    ]),
  );
}

function fmt(ms: number): string {
  return ms.toFixed(0);
}

export const planBenchmark: Benchmark = {
  name: 'plan',
  description: 'plan time (introspect + diff + SQL) for 50/300/2,000-table schemas vs @pgkit/migra',
  async run(args) {
    const { values } = parseArgs({ args, options: { sizes: { type: 'string' }, runs: { type: 'string' } } });
    const sizes = values.sizes ? values.sizes.split(',').map(positive('--sizes')) : planBenchDefaults.sizes;
    const runs = values.runs ? positive('--runs')(values.runs) : planBenchDefaults.runs;
    const rows = await runPlanBench(sizes, runs, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`\nPlan time, median of ${runs} runs after one warm-up (same two databases for both tools)\n`);
    process.stdout.write(`${planBenchTable(rows)}\n`);
  },
};

function positive(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${option}: expected positive integers, got ${JSON.stringify(value)}`);
    return n;
  };
}
