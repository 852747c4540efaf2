import { startContainer } from './container.js';
import { freeLoopbackPort } from './free-port.js';
import { findNatsServerBinary, startNatsServer, type LocalNats } from './nats-server.js';

/** The one line said when no way to run NATS is left. */
export const natsMissing =
  'NATS with JetStream is missing: nothing on NATS_URL or 127.0.0.1:4222, no nats-server program (PATH, /usr/sbin), ' +
  'no root to apt-get it, no Docker engine for testcontainers. Install it (Debian/Ubuntu: apt-get install nats-server) or set NATS_URL';

/**
 * Starts a NATS server with JetStream on loopback for the demo or the tests, the first way that works:
 * the nats-server program (PATH, /usr/sbin, or Debian's package installed now when root with apt-get) on
 * `preferredPort` when free (else any free port), with its store in `storeDir`; else a testcontainers NATS
 * where a Docker engine exists. Throws `natsMissing` when nothing works.
 */
export async function startLocalNats(storeDir: string, preferredPort: number, log: (line: string) => void): Promise<LocalNats & { how: string }> {
  const binary = findNatsServerBinary(log);
  if (binary) {
    const server = await startNatsServer(binary, await freeLoopbackPort(preferredPort), storeDir);
    return { ...server, how: `${binary} -js` };
  }
  const container = await startContainer('nats:2.10-alpine', 4222, {}, ['-js']);
  if (container) return { url: `nats://${container.host}:${container.port}`, stop: async () => undefined, how: 'a testcontainers NATS' };
  throw new Error(natsMissing);
}
