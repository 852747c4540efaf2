import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pgBinary, waitFor } from '@fleetshift/testing';
import { freePort, portOpen } from './free-port.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the chaos run's own for the control-plane database, so that a fault can
 * restart it (the machine's shared server on 5432, which holds the tenants, is never restarted).
 * initdb and pg_ctl from `pg_config --bindir`; as root they run as the `postgres` OS user, which then
 * owns the data directory. Trust authentication on 127.0.0.1 only.
 */
export interface ControlPostgres {
  url: string;
  port: number;
  /** Stops the server as a crash would (`-m immediate`: no checkpoint, WAL recovery on start). */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes the data directory. */
  destroy(): Promise<void>;
}

export async function startControlPostgres(): Promise<ControlPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetshift-chaos-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  const as = (program: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', program, ...args]) : run(program, args);
  const initdb = pgBinary('initdb');
  const pgCtl = pgBinary('pg_ctl');
  await as(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
  const start = async () => {
    await as(pgCtl, ['-D', dataDir, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    await waitFor('the control PostgreSQL accepting connections', () => portOpen(port), { timeoutMs: 30_000, intervalMs: 100 });
  };
  const stop = (mode: 'immediate' | 'fast') => as(pgCtl, ['-D', dataDir, '-m', mode, '-w', 'stop']).then(() => undefined);
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/fleetshift_chaos`,
    port,
    crash: () => stop('immediate'),
    start,
    async destroy() {
      await stop('fast').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
