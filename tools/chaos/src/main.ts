import { randomInt } from 'node:crypto';
import { CommanderError } from 'commander';
import { findPostgres } from '@fleetshift/testing';
import { parseChaosArgs } from './chaos-args.js';
import { runChaosSeries } from './chaos-run.js';
import { renderChaosSummary, renderChaosTable } from './chaos-table.js';

// `npm run chaos -- --runs 20`: rollouts under injected faults; exits 1 when any invariant fails.
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let args;
  try {
    // Two schedulers by default: they elect a leader, so a scheduler SIGKILL or SIGSTOP is a failover.
    args = parseChaosArgs(process.argv.slice(2), randomInt(0, 2 ** 31), 2);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      process.stderr.write(`chaos: ${error.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    throw error;
  }
  const tenantServerUrl = await findPostgres();
  say(`chaos: ${args.runs} run(s) of ${args.tenants} tenants (${args.isolation} isolation), ${args.schedulers} scheduler(s), ${args.executors} executors, 1 monitor; up to ${args.faults} faults per run from ${args.kinds.join(', ')}; bound ${args.bound} s`);
  say(`chaos: seed ${args.seed} (replay a run with --seed <its seed> --runs 1 and the same other options)`);
  // Ctrl-C (or SIGTERM): finish the run in progress, then print the table of the runs done. Twice: exit now.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    say('chaos: stopping after the run in progress (again to exit at once)');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const reports = await runChaosSeries({
    runs: args.runs,
    tenants: args.tenants,
    seed: args.seed,
    schedulers: args.schedulers,
    executors: args.executors,
    faultsPerRun: args.faults,
    kinds: args.kinds,
    isolation: args.isolation,
    boundSeconds: args.bound,
    maxFaultSeconds: args.maxFaultSeconds,
    tenantServerUrl,
    say,
  }, { onRun: (report) => say(renderChaosTable([report])), shouldStop: () => stopping });
  if (reports.length < args.runs) say(`chaos: stopped after ${reports.length} of ${args.runs} runs`);
  say(renderChaosTable(reports));
  if (args.markdown) say(`\n${renderChaosTable(reports, 'markdown')}\n`);
  say(renderChaosSummary(reports));
  for (const report of reports.filter((r) => !r.ok)) {
    say(`run ${report.index} (seed ${report.seed}) failed; service logs: ${report.logFile}`);
    if (report.error) say(`  error: ${report.error}`);
    for (const invariant of report.invariants.filter((i) => !i.ok)) say(`  ${invariant.name}: ${invariant.violations.join('; ')}`);
  }
  return reports.length === args.runs && reports.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`chaos failed: ${error.message}\n`);
    process.exit(1);
  },
);
