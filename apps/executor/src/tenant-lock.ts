import type pg from 'pg';

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
