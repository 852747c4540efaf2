import { spawn } from 'node:child_process';
import os from 'node:os';
import { createTestDatabase, startCpuLoad, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplingSession } from '../clusters/sampling-session.js';
import { parseStaticClusters } from '../clusters/static-clusters.js';
import { postmasterCpuSource } from './cpu-postmaster.js';
import { procStatCpuSource } from './cpu-proc-stat.js';
import { findPostmaster } from './find-postmaster.js';
import { readProcPidStat } from './proc-pid-stat.js';

/** `count` node processes spinning through a fixed amount of work (not a duration); resolves when all ended. */
async function busyLoops(count: number): Promise<void> {
  const loop = 'let x = 0; for (let i = 0; i < 3e8; i += 1) x += i % 7; if (x < 0) console.log(x);';
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }));
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.once('error', reject);
            child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`busy loop ${child.pid} exited with ${code}`))));
          }),
      ),
    );
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

// The point of the postmaster source: CPU-heavy SQL raises it, an unrelated busy process on the same
// host does not (while the whole host's CPU, what proc-stat measured, does). Each window is defined by
// a fixed amount of work, and the readings are compared with each other, never with a fixed level.
describe('postmaster CPU under load', () => {
  let db: TestDatabase;
  let session: SamplingSession;
  const cores = os.availableParallelism();

  beforeAll(async () => {
    db = await createTestDatabase('hm_postmaster_load');
    const [spec] = parseStaticClusters(`local=${db.url}`);
    session = new SamplingSession(spec, 10_000);
  });
  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('finds the postmaster of the local server', async () => {
    const postmaster = await findPostmaster(session);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const { rows: [{ pid }] } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect((await readProcPidStat(pid))?.ppid).toBe(postmaster.pid);
    } finally {
      await other.end();
    }
  });

  it('rises with CPU-heavy SQL, and not with a busy loop elsewhere on the host, which proc-stat does see', async () => {
    const postmaster = postmasterCpuSource();
    const host = procStatCpuSource();
    // The first reads measure over a short window of their own: the idle reading.
    const idle = await postmaster.read({ session });
    await host.read();

    await Promise.all([postmaster.read({ session }), host.read()]);
    await busyLoops(cores);
    const [duringBusyLoop, hostDuringBusyLoop] = await Promise.all([postmaster.read({ session }), host.read()]);

    await postmaster.read({ session });
    const load = startCpuLoad({ url: db.url, connections: cores, durationMs: 120_000, maxQueries: 2 * cores, rowsPerQuery: 5_000_000 });
    const { queries } = await load.done;
    const duringSql = await postmaster.read({ session });

    const seen = { idle, duringBusyLoop, hostDuringBusyLoop, duringSql, queries };
    expect(queries, JSON.stringify(seen)).toBe(2 * cores);
    // The SQL shows clearly above both the idle reading and the reading during the busy loop…
    expect(duringSql, JSON.stringify(seen)).toBeGreaterThan(2 * idle);
    expect(duringSql, JSON.stringify(seen)).toBeGreaterThan(2 * duringBusyLoop);
    // …and the busy loop, which the whole host's CPU shows, hardly moves the server's.
    expect(hostDuringBusyLoop, JSON.stringify(seen)).toBeGreaterThan(2 * duringBusyLoop);
  });
});
