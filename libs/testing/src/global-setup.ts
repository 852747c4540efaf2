import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { freeLoopbackPort } from './free-port.js';
import { startLocalNats } from './local-nats.js';
import { localNatsUrl, natsReachable } from './nats.js';
import { canConnect, localPostgresUrl } from './postgres.js';

/**
 * vitest globalSetup (once per `npm test`, before any test file): when PG_URL / NATS_URL are unset and
 * nothing answers on 127.0.0.1:5432 / 4222, starts an embedded PostgreSQL and a nats-server for the run
 * and hands their URLs to every test worker as PG_URL / NATS_URL; the teardown stops them and removes
 * their files. Services already there, or named by PG_URL / NATS_URL, are used as they are.
 *
 * The embedded PostgreSQL uses trust authentication: the tests register clusters by host, port and user,
 * as against the machine's own loopback server, and this one listens on 127.0.0.1 only, holds nothing but
 * test databases and is deleted when the run ends. (The demo's cluster outlives the run: it has a password.)
 */
export default async function setup(): Promise<() => Promise<void>> {
  const say = (line: string) => process.stderr.write(`test services: ${line}\n`);
  const stops: Array<() => Promise<void>> = [];
  let scratch: string | undefined;
  const scratchDir = async () => {
    // Readable by the postgres OS user, which the embedded server runs as under root.
    scratch ??= await mkdtemp(path.join(os.tmpdir(), 'fleetshift-test-services-'));
    await chmod(scratch, 0o755);
    return scratch;
  };

  if (!process.env.PG_URL && !(await canConnect(localPostgresUrl))) {
    const port = await freeLoopbackPort(5432);
    try {
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(await scratchDir(), 'postgres'), port, maxConnections: 500 });
      stops.push(() => postgres.stop());
      process.env.PG_URL = postgres.url;
      say(`no PostgreSQL on 127.0.0.1:5432: started an embedded PostgreSQL on 127.0.0.1:${port} for this run`);
    } catch (error) {
      say(`${(error as Error).message} (testcontainers is tried next)`);
    }
  }

  if (!process.env.NATS_URL && !(await natsReachable(localNatsUrl))) {
    const nats = await startLocalNats(path.join(await scratchDir(), 'nats'), 4222, say);
    stops.push(() => nats.stop());
    process.env.NATS_URL = nats.url;
    say(`no NATS on 127.0.0.1:4222: started ${nats.how} on ${nats.url} for this run`);
  }

  return async () => {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => say(`stopping: ${error.message}`));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
}
