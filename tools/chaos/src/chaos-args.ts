import { Command, InvalidArgumentError, Option } from 'commander';
import { faultKinds, type FaultKind } from './faults.js';
import type { IsolationName } from './chaos-fleet.js';

export interface ChaosArgs {
  runs: number;
  tenants: number;
  seed: number;
  schedulers: number;
  executors: number;
  faults: number;
  kinds: FaultKind[];
  isolation: IsolationName;
  bound: number;
  maxFaultSeconds: number;
  markdown: boolean;
}

const positive = (name: string, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
};

const seedValue = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`--seed must be a whole number from 0 to 4294967295, got "${value}"`);
  return n;
};

const kindList = (value: string): FaultKind[] => {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(faultKinds as readonly string[]).includes(k));
  if (unknown.length || kinds.length === 0) throw new InvalidArgumentError(`--kinds: unknown fault kind(s) ${unknown.join(', ') || '(none given)'}; known: ${faultKinds.join(', ')}`);
  return kinds as FaultKind[];
};

/** `npm run chaos -- [options]`; throws commander's error (with a clear message) for bad input. */
export function parseChaosArgs(argv: string[], defaultSeed: number, defaultSchedulers: number): ChaosArgs {
  const program = new Command('chaos')
    .description('Rollouts under injected faults, with invariants checked from the tenants\' side')
    .option('--runs <n>', 'runs, one after the other', positive('--runs', 1000), 1)
    .option('--tenants <n>', 'tenants per run', positive('--tenants', 10_000), 300)
    .option('--seed <n>', 'seed of run 1 (run i uses seed + i - 1); printed', seedValue, defaultSeed)
    .option('--schedulers <n>', 'scheduler replicas', positive('--schedulers', 5), defaultSchedulers)
    .option('--executors <n>', 'executor processes', positive('--executors', 8), 2)
    .option('--faults <n>', 'faults per run (fewer when the rollout ends first)', positive('--faults', 100), 4)
    .option('--kinds <list>', `fault kinds to draw from (comma-separated): ${faultKinds.join(', ')}`, kindList, [...faultKinds])
    .addOption(new Option('--isolation <kind>', 'tenant isolation').choices(['database', 'schema']).default('schema'))
    .option('--bound <seconds>', 'seconds from CreateRollout within which the rollout must be SUCCEEDED or FAILED', positive('--bound', 36_000), 0)
    .option('--max-fault-seconds <n>', 'longest freeze, lock hold or time down of one fault', positive('--max-fault-seconds', 600), 20)
    .option('--markdown', 'print the table as Markdown too', false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (text) => process.stdout.write(text) });
  program.parse(argv, { from: 'user' });
  const opts = program.opts<ChaosArgs>();
  return { ...opts, bound: opts.bound || defaultBoundSeconds(opts.tenants) };
}

/** 120 s plus one second per tenant: room for a NATS or database outage and the reaper's overdue bound. */
export function defaultBoundSeconds(tenants: number): number {
  return 120 + tenants;
}
