import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Connects to NATS, retrying forever after the first connection (a NATS restart must not kill a
 * service). The first connection fails with a clear message when the server is not reachable.
 */
export async function connectBus(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  } catch (error) {
    throw new Error(`NATS not reachable at ${url}: ${(error as Error).message}`);
  }
}
