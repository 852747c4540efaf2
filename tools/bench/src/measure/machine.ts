import { execFileSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';

/** What a benchmark result is recorded with: the machine, the server, the commit, the date. */
export async function describeMachine(serverUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-bench' });
  await client.connect();
  let server = 'PostgreSQL ?';
  try {
    const { rows } = await client.query<{ v: string; sb: string; mc: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS sb, current_setting('max_connections') AS mc`,
    );
    server = `PostgreSQL ${rows[0].v} (shared_buffers ${rows[0].sb}, max_connections ${rows[0].mc})`;
  } finally {
    await client.end();
  }
  // A run from an exported tree (git archive, no .git) names its commit in FLEETSHIFT_BENCH_COMMIT.
  let commit = process.env.FLEETSHIFT_BENCH_COMMIT ? `${process.env.FLEETSHIFT_BENCH_COMMIT} (exported tree)` : 'unknown commit';
  if (!process.env.FLEETSHIFT_BENCH_COMMIT) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (dirty) commit += ' + uncommitted changes in the working tree';
    } catch {
      // not a git checkout
    }
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${new Date().toISOString()} · ${os.cpus().length} cores · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM · ${server} · Node ${process.version} · commit ${commit} · load average ${load}`;
}

/** The machine line shortened for a chart's subtitle: without Node, the load average and the server settings. */
export function chartSubtitle(machine: string): string {
  return machine.split(' · ').filter((part) => !/^(Node|load average)/.test(part)).join(' · ').replace(/ \(shared_buffers[^)]*\)/, '');
}
