import type { Fleet } from '../fleet/fleet.js';
import type { Way } from '../fleet/way.js';
import { startAppWorkload, type AppWorkloadResult } from './app-workload.js';
import { holdRowExclusive, type LockHolder } from './lock-holder.js';

export interface HeldLockResult {
  way: string;
  wallSeconds: number;
  heldTenant: string;
  /** Seconds after the start at which the migration first queued behind the long transaction. */
  blockedAfter?: number;
  /** Seconds after the start at which the long transaction committed. */
  releasedAfter: number;
  /** Fleetshift: the held tenant's final state and its attempts in the rollout (deliveries). */
  heldTenantState?: string;
  heldTenantAttempts?: number;
  /** Fleetshift: the held tenant's lock-timeout retries, and the whole rollout's. */
  heldTenantLockRetries?: number;
  lockRetries?: number;
  /** Seconds after the start at which the held tenant finished (Fleetshift). */
  heldTenantFinishedAfter?: number;
  /** Other tenants that finished while the long transaction held the migration up. */
  othersFinishedMeanwhile: number;
  tenants: number;
  /** Longest latency of application transactions on the held tenant, and on the others (ms). */
  longestWaitHeldMs: number;
  longestWaitOthersMs: number;
  appErrors: number;
}

/**
 * A long application transaction on one tenant (`t<n>.orders`, ROW EXCLUSIVE, as an open UPDATE) while
 * a migration reaches that tenant; committed `holdSeconds` after the migration first queued behind it.
 * The application workload keeps running, one transaction in ten on the held tenant.
 *
 * Fleetshift's DDL waits at most lock_timeout, gives up, backs off and retries, so the application's
 * transactions on that table wait about one lock_timeout at most, and the other tenants go on meanwhile.
 * The plain psql loop's ALTER waits as long as the transaction lives; every application statement on
 * that table queues behind it, and the loop stands still.
 */
export async function runHeldLockScenario(
  fleet: Fleet,
  way: Way,
  options: { holdSeconds: number; rate: number; clients: number },
): Promise<HeldLockResult> {
  const focus = Math.ceil(fleet.tenants.length / 2);
  const heldTenant = fleet.tenants[focus - 1]!;
  const ready = await way.prepare(fleet);
  try {
    const app = await startAppWorkload(fleet, { rate: options.rate, clients: options.clients, focusTenant: focus, focusEvery: 10 });
    let appResult: AppWorkloadResult | undefined;
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const holder = await holdRowExclusive(fleet.serverUrl, heldTenant.database, heldTenant.schema!, 'orders', 'pgbench');
      const releasing = releaseAfterBlocked(holder, options.holdSeconds);
      const outcome = await ready.run();
      holder.giveUp();
      const { blockedAt, releasedAt } = await releasing;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      appResult = await app.stop();
      const held = outcome.rolloutTenants?.find((t) => t.id === heldTenant.id);
      const since = (at: number | undefined) => (at === undefined ? undefined : (at - outcome.startedAt) / 1000);
      const othersDone = outcome.rolloutTenants
        ? outcome.rolloutTenants.filter((t) => t.id !== heldTenant.id && t.finishedAt !== undefined).map((t) => t.finishedAt!)
        : outcome.finishes;
      return {
        way: way.label,
        wallSeconds: (outcome.finishedAt - outcome.startedAt) / 1000,
        heldTenant: heldTenant.id,
        blockedAfter: since(blockedAt),
        releasedAfter: since(releasedAt)!,
        heldTenantState: held?.state,
        heldTenantAttempts: held?.attempts,
        heldTenantLockRetries: held?.lockRetries,
        lockRetries: outcome.lockRetries,
        heldTenantFinishedAfter: since(held?.finishedAt),
        othersFinishedMeanwhile: othersDone.filter((t) => blockedAt !== undefined && t >= blockedAt && t < releasedAt).length,
        tenants: fleet.tenants.length,
        ...appWaits(appResult, outcome.startedAt, outcome.finishedAt),
      };
    } finally {
      if (!appResult) await app.stop().catch(() => undefined);
    }
  } finally {
    await ready.close();
  }
}

/** Commits the long transaction `holdSeconds` after the migration first queued behind it (at once if it never does). */
async function releaseAfterBlocked(holder: LockHolder, holdSeconds: number) {
  if (await holder.waitUntilBlocking(10 * 60_000)) await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
  const releasedAt = await holder.release();
  return { blockedAt: holder.blockedAt(), releasedAt };
}

function appWaits(result: AppWorkloadResult, from: number, to: number) {
  const during = result.transactions.filter((t) => t.endAt - t.latencyMs >= from && t.endAt - t.latencyMs <= to && !t.failed);
  const longest = (script: number) => Math.max(0, ...during.filter((t) => t.script === script).map((t) => t.latencyMs));
  return {
    longestWaitHeldMs: longest(1),
    longestWaitOthersMs: longest(0),
    appErrors: result.errors.filter((e) => e.at >= from && e.at <= to).length + result.transactions.filter((t) => t.failed && t.endAt >= from && t.endAt <= to).length,
  };
}
