import pg from 'pg';
import type { Plan } from '@fleetshift/contracts';
import { planUnits, stepSettings } from '@fleetshift/plan-runner';
import { quoteIdent } from '@fleetshift/sql-quote';
import { databaseUrl } from '@fleetshift/testing';
import type { Fleet, TenantPlace } from './fleet.js';
import { safePlan } from './safe-plan.js';
import { readyAt, type Way, type WayOutcome } from './way.js';

/** Workers of the floor, each with its own connection. */
export const floorWorkers = 2;

/**
 * The plan's units as the statements sent, one round trip per unit: a transactional unit as
 * `BEGIN; SET LOCAL …; <steps>; COMMIT`, a non-transactional step (CONCURRENTLY) after its own SETs.
 */
export function planRoundTrips(plan: Plan): string[][] {
  return planUnits(plan.steps).map((unit) => {
    if (unit.transactional) {
      const body = unit.steps.flatMap((step) => {
        const s = stepSettings(step, 0);
        return [`SET LOCAL lock_timeout = '${s.lockTimeout}'`, `SET LOCAL statement_timeout = '${s.statementTimeout}'`, step.sql];
      });
      return [['BEGIN', ...body, 'COMMIT'].join(';\n')];
    }
    const step = unit.steps[0]!;
    const s = stepSettings(step, 0);
    return [`SET lock_timeout = '${s.lockTimeout}'; SET statement_timeout = '${s.statementTimeout}'`, step.sql];
  });
}

/** Runs the plan's statements on one tenant over an open connection; rolls back and rethrows on error. */
export async function applyRoundTrips(client: pg.ClientBase, roundTrips: string[][], schema: string | undefined): Promise<void> {
  if (schema) await client.query(`SET search_path = ${quoteIdent(schema)}`);
  try {
    for (const unit of roundTrips) for (const sql of unit) await client.query(sql);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.query('RESET lock_timeout; RESET statement_timeout; RESET search_path').catch(() => undefined);
  }
}

/**
 * (d) The floor: Fleetshift's lock-safe statements (the same plan) and nothing else — no control
 * plane, queue, ledger, drift check, lock retries or pacing — from two workers on persistent
 * connections. Database isolation: a connection cannot span databases, so each worker connects to each
 * of its tenants' databases in turn.
 */
export const floorWay: Way = {
  name: 'd',
  label: `(d) floor: safe SQL, ${floorWorkers} connections`,
  async prepare(fleet) {
    const roundTrips = planRoundTrips(await safePlan(fleet.kind, fleet.serverUrl));
    return readyAt(() => runFloor(fleet, roundTrips));
  },
};

async function runFloor(fleet: Fleet, roundTrips: string[][]): Promise<WayOutcome> {
  const finishes: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const connect = async (tenant: TenantPlace) => {
    const client = new pg.Client({ connectionString: databaseUrl(fleet.serverUrl, tenant.database), application_name: 'bench-floor' });
    await client.connect();
    return client;
  };
  const startedAt = Date.now();
  const worker = async () => {
    let shared: pg.Client | undefined; // schema isolation: one connection for every tenant
    try {
      while (next < fleet.tenants.length) {
        const tenant = fleet.tenants[next++]!;
        const client = fleet.kind === 'schema' ? (shared ??= await connect(tenant)) : await connect(tenant);
        try {
          await applyRoundTrips(client, roundTrips, tenant.schema);
          finishes.push(Date.now());
        } catch (error) {
          failures.push(`${tenant.id}: ${(error as Error).message}`);
        } finally {
          if (client !== shared) await client.end();
        }
      }
    } finally {
      await shared?.end();
    }
  };
  await Promise.all(Array.from({ length: floorWorkers }, worker));
  return { startedAt, finishedAt: Date.now(), finishes, note: failures.length ? `first failure: ${failures[0]!.slice(0, 160)}` : undefined };
}
