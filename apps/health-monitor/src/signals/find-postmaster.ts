import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionRunner } from './cpu-source.js';
import { looksLikePostgres, readProcPidStat } from './proc-pid-stat.js';

/** The PostgreSQL server's process cannot be seen from here: it runs on another host or in another pid namespace. */
export class PostmasterNotVisibleError extends Error {
  override name = 'PostmasterNotVisibleError';
}

/** The postmaster as found in /proc; pid + starttime name one process even after the pid is reused. */
export interface PostmasterProcess {
  pid: number;
  starttime: number;
}

/**
 * Finds the postmaster of the server behind `session`: the session's backend (`pg_backend_pid()`) is a
 * child of the postmaster. Both must be visible in `procRoot` and look like PostgreSQL processes, and
 * when the backend's process title names its client port (`… 127.0.0.1(54321) idle`), that must be this
 * session's port (`inet_client_port()`): a pid that belongs to another server's backend is refused.
 * Throws PostmasterNotVisibleError, naming what was seen, when the server is not on this host as seen
 * from here; database errors pass through unchanged.
 */
export async function findPostmaster(session: SessionRunner, procRoot = '/proc'): Promise<PostmasterProcess> {
  const { pid, port } = await session.use(async (client) => {
    const result = await client.query<{ pid: number; port: number | null }>('SELECT pg_backend_pid() AS pid, inet_client_port() AS port');
    return result.rows[0];
  });
  const notVisible = (what: string) =>
    new PostmasterNotVisibleError(
      `the server's backend pid ${pid} ${what} in ${procRoot} on this host: PostgreSQL runs on another host or in another pid namespace`,
    );
  const backend = await readProcPidStat(pid, procRoot);
  if (!backend) throw notVisible('is not');
  if (!(await looksLikePostgres(pid, procRoot))) throw notVisible(`is "${backend.comm}", not a PostgreSQL backend,`);
  if (port !== null) {
    const title = await readFile(path.join(procRoot, String(pid), 'cmdline'), 'utf8').catch(() => '');
    // Any "(digits)" counts: a database or user name may hold one too, but not instead of the port.
    const ports = [...title.matchAll(/\((\d+)\)/g)].map((match) => Number(match[1]));
    if (ports.length > 0 && !ports.includes(port)) throw notVisible(`is the backend of another connection (title "${title.split('\0')[0].trim()}", this session's port ${port})`);
  }
  const postmaster = await readProcPidStat(backend.ppid, procRoot);
  if (!postmaster || !(await looksLikePostgres(backend.ppid, procRoot))) {
    throw notVisible(`has parent ${backend.ppid}, which is ${postmaster ? `"${postmaster.comm}"` : 'not visible'} rather than a PostgreSQL postmaster,`);
  }
  return { pid: postmaster.pid, starttime: postmaster.starttime };
}
