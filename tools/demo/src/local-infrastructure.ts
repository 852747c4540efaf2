import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { redactUrl } from '@fleetshift/telemetry/redact';
import { startEmbeddedPostgres, startLocalNats, type LocalNats, type LocalPostgres } from '@fleetshift/testing';

export type PostgresServer = LocalPostgres;
export type NatsServer = LocalNats;

const embeddedPort = 54329;
const embeddedNatsPort = 42229;

/**
 * PG_URL, else PostgreSQL on 127.0.0.1:5432, else an embedded PostgreSQL started here (data in
 * `stateDir`/postgres, kept between runs, on 127.0.0.1:54329 only).
 *
 * The embedded cluster keeps a random superuser password (scram-sha-256), made when its data directory
 * is made and kept beside it in a file only its owner reads. The services get it the way they get any
 * cluster password, from a FLEETSHIFT_PW_* variable (docs/security.md); trust authentication would hand
 * a superuser on a fixed port to every local user for as long as the cluster exists.
 */
export async function ensurePostgres(stateDir: string, log: (line: string) => void): Promise<PostgresServer> {
  const url = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (await postgresReachable(url)) {
    const parsed = new URL(url);
    log(`PostgreSQL: using ${parsed.host}`);
    return {
      url,
      host: parsed.hostname,
      port: Number(parsed.port || 5432),
      user: decodeURIComponent(parsed.username || 'postgres'),
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      stop: async () => undefined,
    };
  }
  if (process.env.PG_URL) throw new Error(`PostgreSQL not reachable at PG_URL (${new URL(url).host})`);
  log(`PostgreSQL: none on 127.0.0.1:5432, starting an embedded PostgreSQL on 127.0.0.1:${embeddedPort}`);
  const dataDir = path.join(stateDir, 'postgres');
  const password = embeddedPassword(stateDir, dataDir, log);
  return startEmbeddedPostgres({ dataDir, port: embeddedPort, password, persistent: true });
}

/**
 * The embedded cluster's password: the one kept in `stateDir`/postgres-password, or a new random one
 * when there is no cluster yet. A cluster without its password file (made by an older demo) is removed
 * and made again: the demo resets everything it made on each run anyway.
 */
function embeddedPassword(stateDir: string, dataDir: string, log: (line: string) => void): string {
  const file = path.join(stateDir, 'postgres-password');
  const clusterExists = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (clusterExists && existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (clusterExists) {
    log(`PostgreSQL: ${dataDir} has no password file beside it: making the embedded cluster anew`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(stateDir, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The URL with the server's password in it, for the demo's own connections and the services' URLs. */
export function withPassword(server: PostgresServer, database?: string): string {
  const url = new URL(server.url);
  if (database !== undefined) url.pathname = `/${encodeURIComponent(database)}`;
  if (server.password !== undefined) url.password = server.password;
  return url.toString();
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * NATS_URL, else NATS on 127.0.0.1:4222, else a nats-server with JetStream started here (store in
 * `stateDir`/nats): from the PATH or /usr/sbin, installed from Debian's package when root with apt-get,
 * else testcontainers; one line naming what is missing when none works.
 */
export async function ensureNats(stateDir: string, log: (line: string) => void): Promise<NatsServer> {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  if (await portOpen(url)) {
    log(`NATS: using ${new URL(url).host}`);
    return { url, stop: async () => undefined };
  }
  if (process.env.NATS_URL) throw new Error(`NATS not reachable at NATS_URL=${redactUrl(url)}`);
  const nats = await startLocalNats(path.join(stateDir, 'nats'), embeddedNatsPort, log);
  log(`NATS: none on 127.0.0.1:4222, started ${nats.how} on ${nats.url}`);
  return nats;
}

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 4222), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}
