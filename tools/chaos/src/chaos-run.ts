import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { callMetadata, RolloutState, TenantRolloutState, unary, type ListRolloutTenantsRequest, type ListRolloutTenantsResponse, type Rollout, type RolloutTenant } from '@fleetshift/contracts';
import { workspaceRoot } from '@fleetshift/testing';
import { chaosTenants, dropTenantDatabases, expectedFingerprint, provisionTenants, pushVersion, registerCluster, type IsolationName } from './chaos-fleet.js';
import { chaosRandom, type ChaosRandom } from './chaos-random.js';
import { chaosSchemaV1, chaosSchemaV2 } from './chaos-schemas.js';
import { ChaosStack } from './chaos-stack.js';
import { startControlPostgres, type ControlPostgres } from './control-postgres.js';
import { faultKinds, injectFault, type FaultKind, type FaultWorld, type InjectedFault } from './faults.js';
import { judgeInvariants, readTenantSides, type InvariantResult } from './invariants.js';
import { startNatsInstance, type NatsInstance } from './nats-instance.js';
import { deadline, SchedulerCaller } from './scheduler-caller.js';

export interface ChaosOptions {
  runs: number;
  tenants: number;
  /** Run i uses seed + i: `--seed <a run's seed> --runs 1` replays that run's choices. */
  seed: number;
  schedulers: number;
  executors: number;
  faultsPerRun: number;
  kinds: readonly FaultKind[];
  isolation: IsolationName;
  /** Upper bound of one fault's duration in seconds (default 20). */
  maxFaultSeconds?: number;
  /** Seconds from CreateRollout within which the rollout must be SUCCEEDED or FAILED. */
  boundSeconds: number;
  /** The shared PostgreSQL server that holds the tenants (maintenance URL). */
  tenantServerUrl: string;
  /** Where each run's service logs go (one file per run). */
  logDir?: string;
  say?: (line: string) => void;
}

export interface RunReport {
  index: number;
  seed: number;
  tenants: number;
  faults: InjectedFault[];
  /** Service exits nobody asked for (each was restarted), as `name@seconds(code)`. */
  unplannedExits: string[];
  rolloutState: string;
  rolloutSeconds: number;
  succeeded: number;
  failed: number;
  /** Failure reasons of FAILED tenants, counted. */
  failureReasons: Record<string, number>;
  invariants: InvariantResult[];
  /** Set when the run could not be carried out (setup failed): counts as a failed run. */
  error?: string;
  logFile?: string;
  ok: boolean;
}

/**
 * Service settings of chaos runs, where they differ from the defaults: the reaper looks at silent
 * batches sooner (the default 120 s bound would dominate every run). Documented in tools/chaos/README.md.
 */
const chaosServiceEnv = {
  FLEETSHIFT_BATCH_OVERDUE_MS: '30000',
  FLEETSHIFT_BATCH_OVERDUE_PER_TENANT_MS: '200',
  FLEETSHIFT_REAPER_INTERVAL_MS: '5000',
  FLEETSHIFT_LOG_LEVEL: 'info',
};

/**
 * Runs one after the other; `onRun` sees each report as it comes (so a series stopped early still shows
 * what it found), and `shouldStop` is asked before each run.
 */
export async function runChaosSeries(
  options: ChaosOptions,
  hooks: { onRun?: (report: RunReport) => void; shouldStop?: () => boolean } = {},
): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (let index = 1; index <= options.runs; index++) {
    if (hooks.shouldStop?.()) break;
    const seed = (options.seed + index - 1) >>> 0;
    options.say?.(`run ${index}/${options.runs}: seed ${seed}`);
    const report = await runChaosOnce(options, index, seed);
    options.say?.(`run ${index}/${options.runs}: ${report.ok ? 'ok' : 'FAILED'} — ${report.rolloutState} in ${report.rolloutSeconds.toFixed(1)} s, ${report.faults.length} fault(s)${report.error ? `: ${report.error}` : ''}`);
    reports.push(report);
    hooks.onRun?.(report);
  }
  return reports;
}

/** One run: its own NATS, control PostgreSQL and stack; a fleet at v1; a rollout to v2 under faults; the invariants. */
export async function runChaosOnce(options: ChaosOptions, index: number, seed: number): Promise<RunReport> {
  const random = chaosRandom(seed);
  const blueprint = `chaos_${randomBytes(4).toString('hex')}`;
  const logDir = options.logDir ?? path.join(workspaceRoot, '.fleetshift', 'chaos');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `run-${index}-seed-${seed}.log`);
  const log = createWriteStream(logFile);
  const report: RunReport = {
    index, seed, tenants: options.tenants, faults: [], unplannedExits: [], rolloutState: 'not started', rolloutSeconds: 0,
    succeeded: 0, failed: 0, failureReasons: {}, invariants: [], logFile, ok: false,
  };
  let nats: NatsInstance | undefined;
  let controlDb: ControlPostgres | undefined;
  let stack: ChaosStack | undefined;
  let caller: SchedulerCaller | undefined;
  let origin = performance.now();
  const clock = () => Math.round(performance.now() - origin);
  const note = (line: string) => log.write(`[chaos ${(clock() / 1000).toFixed(1)}s] ${line}\n`);
  try {
    [nats, controlDb] = await Promise.all([startNatsInstance(), startControlPostgres()]);
    stack = await ChaosStack.start({
      env: {
        ...chaosServiceEnv,
        FLEETSHIFT_NATS_URL: nats.url,
        FLEETSHIFT_NATS_NAMESPACE: 'chaos',
        FLEETSHIFT_CONTROL_DB_URL: controlDb.url,
        FLEETSHIFT_SCRATCH_PG_URL: options.tenantServerUrl,
      },
      executors: options.executors,
      schedulers: options.schedulers,
      clock,
      onLine: (service, line) => log.write(`${service} ${line}\n`),
    });
    note('stack up');
    caller = new SchedulerCaller(stack.schedulerAddresses());
    await caller.call((c) => registerCluster(c, options.tenantServerUrl));
    const v1 = await caller.call((c) => pushVersion(c, blueprint, chaosSchemaV1, []));
    const tenants = chaosTenants(blueprint, options.tenants, options.isolation);
    // The expected fingerprints load v1 and v2 into scratch databases while the tenants are provisioned.
    const expected = Promise.all([
      expectedFingerprint(options.tenantServerUrl, chaosSchemaV1, options.isolation),
      expectedFingerprint(options.tenantServerUrl, chaosSchemaV2, options.isolation),
    ]);
    expected.catch(() => undefined);
    await provisionTenants(caller, blueprint, tenants, options.isolation);
    note(`${tenants.length} tenants provisioned`);
    const v2 = await caller.call((c) => pushVersion(c, blueprint, chaosSchemaV2, ['INDEX_BUILD']));
    const [sourceFingerprint, targetFingerprint] = await expected;
    note(`fleet: ${tenants.length} tenants at v${v1}; rolling out v${v2}`);

    origin = performance.now();
    const { rollout } = await caller.call((c) => unary(c.rollouts, c.rollouts.createRollout, {
      blueprint,
      version: v2,
      selector: { tenantIds: [], labels: {}, clusterIds: [] },
      batchSize: 25,
      maxBatchesInFlight: 4,
      tenantConcurrency: 2,
      canary: false,
      // No halt: every tenant must end SUCCEEDED or FAILED, which is what the invariants judge.
      failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 0, onDrift: 0 },
      allowedHazards: [],
      dryRun: false,
    }, callMetadata(), deadline(60_000)));
    const rolloutId = rollout!.id;
    note(`rollout ${rolloutId} created`);

    const world: FaultWorld = { stack, nats, controlDb, tenantServerUrl: options.tenantServerUrl, tenants, schedulerFaults: options.schedulers > 1, maxFaultMs: (options.maxFaultSeconds ?? 20) * 1000 };
    const finished = { value: false };
    const faulting = injectFaults(world, random, options, finished, report.faults, clock, note);
    const final = await awaitTerminal(caller, rolloutId, options.boundSeconds * 1000, clock);
    finished.value = true;
    await faulting;
    report.rolloutSeconds = final.ms / 1000;
    report.rolloutState = final.rollout ? RolloutState[final.rollout.state].replace('ROLLOUT_STATE_', '') : 'unknown';
    const terminal = final.rollout !== undefined && isTerminal(final.rollout.state) && final.ms <= options.boundSeconds * 1000;

    const control = await listAllRolloutTenants(caller, rolloutId)
      .catch((error: Error) => (note(`ListRolloutTenants failed: ${error.message}`), undefined));
    summarizeControl(report, control);
    note('control store read');
    const sides = await readTenantSides(options.tenantServerUrl, tenants, v2);
    report.invariants = judgeInvariants(sides, { sourceFingerprint, targetFingerprint, targetVersion: v2 }, rolloutId, control, {
      reached: terminal,
      detail: `rollout ${report.rolloutState} after ${report.rolloutSeconds.toFixed(0)} s (bound ${options.boundSeconds} s)`,
    });
    report.ok = report.invariants.every((invariant) => invariant.ok);
    note('invariants judged');
  } catch (error) {
    report.error = (error as Error & { details?: string }).details ?? (error as Error).message;
    note(`run failed: ${report.error}`);
  } finally {
    for (const slot of stack?.slots ?? []) {
      for (const exit of slot.unplannedExits) report.unplannedExits.push(`${slot.name}@${(exit.atMs / 1000).toFixed(0)}s(${exit.code})`);
    }
    caller?.close();
    await stack?.stop().catch(() => undefined);
    await nats?.destroy().catch(() => undefined);
    await controlDb?.destroy().catch(() => undefined);
    await dropTenantDatabases(options.tenantServerUrl, blueprint).catch(() => undefined);
    for (const invariant of report.invariants) if (!invariant.ok) note(`invariant ${invariant.name} violated: ${invariant.violations.join('; ')}`);
    await new Promise((resolve) => log.end(resolve));
  }
  return report;
}

/** Every tenant of the rollout, page by page (pages of at most 1000; one answer when the server does not page). */
async function listAllRolloutTenants(caller: SchedulerCaller, rolloutId: string): Promise<RolloutTenant[]> {
  const tenants: RolloutTenant[] = [];
  let pageToken = '';
  do {
    const request = { rolloutId, states: [], limit: 1000, pageSize: 1000, pageToken } as unknown as ListRolloutTenantsRequest;
    const response = (await caller.call((c) => unary(c.rollouts, c.rollouts.listRolloutTenants, request, callMetadata(), deadline(30_000)))) as ListRolloutTenantsResponse & { nextPageToken?: string };
    tenants.push(...response.tenants);
    pageToken = response.nextPageToken ?? '';
  } while (pageToken);
  return tenants;
}

const isTerminal = (state: RolloutState) => state === RolloutState.ROLLOUT_STATE_SUCCEEDED || state === RolloutState.ROLLOUT_STATE_FAILED;

/** Polls GetRollout (through whichever scheduler answers) until SUCCEEDED/FAILED or the bound passes. */
async function awaitTerminal(caller: SchedulerCaller, rolloutId: string, boundMs: number, clock: () => number): Promise<{ rollout?: Rollout; ms: number }> {
  let last: Rollout | undefined;
  while (clock() <= boundMs) {
    try {
      const { rollout } = await caller.call((c) => unary(c.rollouts, c.rollouts.getRollout, { rolloutId }, callMetadata(), deadline(5000)), 5000);
      last = rollout;
      if (rollout && isTerminal(rollout.state)) return { rollout, ms: clock() };
    } catch {
      // Every scheduler down or frozen for now: the bound decides.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { rollout: last, ms: clock() };
}

/**
 * Up to `faultsPerRun` faults, one after the other, each after a random pause, while the rollout runs.
 * A fault that would start after the rollout finished is not injected.
 */
async function injectFaults(
  world: FaultWorld,
  random: ChaosRandom,
  options: ChaosOptions,
  finished: { value: boolean },
  faults: InjectedFault[],
  clock: () => number,
  note: (line: string) => void,
): Promise<void> {
  for (let i = 0; i < options.faultsPerRun; i++) {
    const pauseMs = i === 0 ? random.int(500, 4000) : random.int(1000, 8000);
    const kind = random.pick(options.kinds);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    if (finished.value) return;
    const atMs = clock();
    note(`fault ${kind} starts`);
    try {
      const fault = await injectFault(world, random, kind, atMs);
      faults.push(fault);
      note(`fault ${kind} on ${fault.target} over (${fault.durationMs} ms${fault.detail ? `, ${fault.detail}` : ''})`);
    } catch (error) {
      faults.push({ atMs, kind, target: '?', durationMs: 0, detail: `injection failed: ${(error as Error).message}` });
    }
  }
}

function summarizeControl(report: RunReport, control: RolloutTenant[] | undefined): void {
  for (const tenant of control ?? []) {
    if (tenant.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED || tenant.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED) report.succeeded++;
    if (tenant.state === TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED) {
      report.failed++;
      const reason = tenant.errorCode || 'no code';
      report.failureReasons[reason] = (report.failureReasons[reason] ?? 0) + 1;
    }
  }
}

export { faultKinds };
