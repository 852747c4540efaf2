import type { ClientBase } from 'pg';

/**
 * Client sessions running a statement right now, across every database of the cluster, without the
 * sampling session itself. Divided by the host's cores it is a load measure that needs no host access.
 */
export async function countActiveSessions(client: ClientBase): Promise<number> {
  const result = await client.query<{ active: number }>(
    `SELECT count(*)::int AS active
       FROM pg_stat_activity
      WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  );
  return result.rows[0].active;
}
