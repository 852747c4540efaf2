import pg from 'pg';
import { quoteIdent } from '@fleetshift/sql-quote';
import { databaseUrl } from '@fleetshift/testing';
import type { ChaosStack, ServiceSlot } from './chaos-stack.js';
import type { ChaosTenant } from './chaos-fleet.js';
import type { ChaosRandom } from './chaos-random.js';
import { chaosTables } from './chaos-schemas.js';
import type { ControlPostgres } from './control-postgres.js';
import type { NatsInstance } from './nats-instance.js';

export const faultKinds = ['sigkill', 'sigstop', 'nats-restart', 'control-db-restart', 'drop-connections', 'lock-hold'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** One fault as injected: when (ms since the rollout was created), what, on what, and for how long. */
export interface InjectedFault {
  atMs: number;
  kind: FaultKind;
  target: string;
  durationMs: number;
  /** What happened (sessions terminated, or why nothing could be done). */
  detail?: string;
}

export interface FaultWorld {
  stack: ChaosStack;
  nats: NatsInstance;
  controlDb: ControlPostgres;
  tenantServerUrl: string;
  tenants: ChaosTenant[];
  /** Whether the scheduler is a kill/freeze target (only when replicas can take over). */
  schedulerFaults: boolean;
  /** Upper bound of a fault's duration (freeze, lock held, time down). */
  maxFaultMs: number;
}

/** The services a process fault may hit. */
export function faultTargets(world: FaultWorld): ServiceSlot[] {
  return world.stack.slots.filter((slot) => slot.app !== 'scheduler' || world.schedulerFaults);
}

/** Injects one fault chosen with `random`; resolves when it is over (process back, lock released…). */
export async function injectFault(world: FaultWorld, random: ChaosRandom, kind: FaultKind, atMs: number): Promise<InjectedFault> {
  const duration = (min: number, max: number) => random.int(Math.min(min, world.maxFaultMs), Math.min(max, world.maxFaultMs));
  switch (kind) {
    case 'sigkill': {
      const slot = random.pick(faultTargets(world));
      const downMs = duration(200, 3000);
      await world.stack.kill(slot, downMs);
      return { atMs, kind, target: slot.name, durationMs: downMs };
    }
    case 'sigstop': {
      const slot = random.pick(faultTargets(world));
      const frozenMs = duration(2000, 20_000);
      await world.stack.freeze(slot, frozenMs);
      return { atMs, kind, target: slot.name, durationMs: frozenMs };
    }
    case 'nats-restart': {
      const downMs = duration(500, 5000);
      await world.nats.kill();
      await sleep(downMs);
      await world.nats.start();
      return { atMs, kind, target: 'nats-server', durationMs: downMs };
    }
    case 'control-db-restart': {
      const downMs = duration(500, 5000);
      await world.controlDb.crash();
      await sleep(downMs);
      await world.controlDb.start();
      return { atMs, kind, target: 'control postgres', durationMs: downMs };
    }
    case 'drop-connections': {
      const terminated = await terminateExecutorSessions(world.tenantServerUrl, [...new Set(world.tenants.map((t) => t.database))]);
      return { atMs, kind, target: 'executor sessions', durationMs: 0, detail: `${terminated} terminated` };
    }
    case 'lock-hold': {
      const tenant = random.pick(world.tenants);
      const table = random.pick(chaosTables);
      const holdMs = duration(2000, 20_000);
      const detail = await holdLock(world.tenantServerUrl, tenant, table, holdMs);
      return { atMs, kind, target: `${tenant.id}.${table}`, durationMs: holdMs, detail };
    }
  }
}

/** pg_terminate_backend of every executor session on the run's tenant databases. */
async function terminateExecutorSessions(serverUrl: string, databases: string[]): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres'), application_name: 'fleetshift-chaos' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
        WHERE application_name LIKE 'fleetshift-executor:%' AND datname = ANY($1::text[])`,
      [databases],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await admin.end();
  }
}

/**
 * ACCESS EXCLUSIVE on one tenant table for `holdMs`, as an application's long transaction would.
 * The session's name is not `fleetshift…`, so the health monitor's lock_waiters signal does not take it
 * for one of its own; the executor meets it through lock_timeout and retries.
 */
async function holdLock(serverUrl: string, tenant: ChaosTenant, table: string, holdMs: number): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, tenant.database), application_name: 'chaos-lock-holder' });
  await client.connect();
  try {
    await client.query('BEGIN');
    const qualified = tenant.schema ? `${quoteIdent(tenant.schema)}.${quoteIdent(table)}` : quoteIdent(table);
    // Waits behind an executor's step if one holds the table now; then holds it.
    await client.query(`LOCK TABLE ${qualified} IN ACCESS EXCLUSIVE MODE`);
    await sleep(holdMs);
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return `lock not held: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
