import type { ClientBase } from 'pg';

/** application_name prefix of every Fleetshift session (executors set `fleetshift-executor`, …). */
export const fleetshiftApplicationPrefix = 'fleetshift';

/**
 * The pids of the application's sessions (not Fleetshift's own) waiting on a lock held — or queued ahead — by a
 * Fleetshift session: our DDL hurting the application. Uses pg_blocking_pids, only for sessions that
 * are waiting on a lock at all.
 */
export async function listLockWaitersBlockedByFleetshift(client: ClientBase): Promise<number[]> {
  const result = await client.query<{ pid: number }>(
    `SELECT w.pid
       FROM pg_stat_activity w
      WHERE w.wait_event_type = 'Lock'
        AND w.pid <> pg_backend_pid()
        AND w.application_name NOT LIKE $1
        AND EXISTS (
              SELECT 1 FROM pg_stat_activity b
               WHERE b.pid = ANY (pg_blocking_pids(w.pid)) AND b.application_name LIKE $1)`,
    [`${fleetshiftApplicationPrefix}%`],
  );
  return result.rows.map((row) => row.pid);
}
