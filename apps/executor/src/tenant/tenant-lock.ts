import type pg from 'pg';
import type { ConnectionSlot } from './connection-slot.js';
import { sessionEndedForIdling, sessionLost, type TenantConnection } from './tenant-connection.js';
import type { TenantOutcome, TenantReporter } from './tenant-report.js';

/** Class id of Fleetshift's advisory locks (the first key of the two-key form): "FS" + 1. */
const tenantLockClass = 0x46530001;

/**
 * The per-tenant lock: a session-level advisory lock in the tenant's own database, keyed by the tenant
 * schema (schema isolation) or the tenant id (database isolation). Two executors never migrate the same
 * tenant: the second one's try fails and it leaves the tenant for a later delivery. A dead executor's
 * session ends and PostgreSQL releases its lock.
 */
export function tenantLockKey(tenantId: string, schema: string): string {
  return schema ? `schema:${schema}` : `tenant:${tenantId}`;
}

export async function tryTenantLock(client: pg.ClientBase, key: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_lock($1::int4, hashtext($2)) AS locked',
    [tenantLockClass | 0, key],
  );
  return rows[0]!.locked;
}

export async function releaseTenantLock(client: pg.ClientBase, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::int4, hashtext($2))', [tenantLockClass | 0, key]);
}

/**
 * Runs `body` holding the tenant's lock. Taken by another executor: deferred, nothing ran. An error that
 * escapes the body fails the tenant, except a session that was lost (terminated, broken, or ended by the
 * server because this process went quiet): the connection is discarded and the tenant deferred.
 * The lock is released on a healthy connection; a broken one is dropped, and the server releases it.
 */
export async function underTenantLock(
  connection: TenantConnection,
  slot: ConnectionSlot,
  key: string,
  reporter: TenantReporter,
  body: (client: pg.ClientBase) => Promise<TenantOutcome>,
): Promise<TenantOutcome> {
  const client = connection.client;
  let locked = false;
  try {
    locked = await tryTenantLock(client, key);
    if (!locked) {
      reporter.log.info('tenant is locked by another executor: deferred');
      return reporter.defer(`tenant ${reporter.tenantId} is being migrated by another executor`);
    }
    return await body(client);
  } catch (error) {
    if (sessionEndedForIdling(connection, error)) {
      await slot.discard();
      reporter.log.warn({ sqlstate: connection.endedWith, reason: (error as Error).message }, 'the server ended this executor\'s idle session (the process stalled): deferred');
      return reporter.defer(`tenant ${reporter.tenantId}: session ended by the server while this executor stalled`);
    }
    if (sessionLost(connection, error)) {
      // Terminated or broken before any step ran (lock, drift check): nothing changed, so the tenant goes
      // back to the queue for a new session rather than failing for what happened to this one.
      await slot.discard();
      reporter.log.warn({ sqlstate: (error as { code?: string }).code ?? connection.endedWith, reason: (error as Error).message }, 'session to the tenant database lost: deferred');
      return reporter.defer(`tenant ${reporter.tenantId}: connection to the tenant database lost: ${(error as Error).message}`);
    }
    return reporter.fail((error as { code?: string }).code ?? 'INTERNAL', `tenant ${reporter.tenantId}: ${(error as Error).message}`);
  } finally {
    if (locked && connection.healthy) await releaseTenantLock(client, key).catch(() => slot.discard());
  }
}
