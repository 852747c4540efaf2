import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { redactUrl } from '@fleetshift/telemetry';
import { startContainer } from './container.js';
import { natsMissing } from './local-nats.js';

export const localNatsUrl = 'nats://127.0.0.1:4222';

let natsUrl: Promise<string> | undefined;

/**
 * The URL of a NATS server with JetStream for tests: NATS_URL when set (`npm test` sets it to the
 * nats-server it starts when nothing answers on localhost: global-setup.ts), else localhost:4222, else a
 * testcontainers NATS where a Docker engine exists. Throws one clear line when none is reachable.
 */
export function findNats(): Promise<string> {
  natsUrl ??= locateNats();
  return natsUrl;
}

async function locateNats(): Promise<string> {
  const url = process.env.NATS_URL ?? localNatsUrl;
  if (await natsReachable(url)) return url;
  if (process.env.NATS_URL) throw new Error(`NATS not reachable at NATS_URL=${redactUrl(url)}`);
  const container = await startContainer('nats:2.10-alpine', 4222, {}, ['-js']);
  if (container) return `nats://${container.host}:${container.port}`;
  throw new Error(natsMissing);
}

/** Something accepts TCP connections at the URL's host and port (4222 when it names none). */
export function natsReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 4222), timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A random namespace, so that each test file has its own streams, subjects and KV buckets. */
export function testNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}
