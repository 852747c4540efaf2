import pg from 'pg';
import { findPostgres } from '@fleetshift/testing';

/**
 * Samples, every few milliseconds until stopped, how many sessions of the given executors match
 * `condition` (SQL over pg_stat_activity, `$2` free for `parameter`); stop() returns the most seen at once.
 */
export function sampleExecutorSessions(executorIds: string[], condition = 'true', parameter?: string): { stop: () => Promise<number> } {
  let running = true;
  let max = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: await findPostgres(), application_name: 'fleetshift-test-sampler' });
    await client.connect();
    const names = executorIds.map((id) => `fleetshift-executor:${id}`);
    while (running) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ANY($1) AND ${condition}`,
        parameter === undefined ? [names] : [names, parameter],
      );
      max = Math.max(max, rows[0]!.n);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return max;
    },
  };
}
