import { connect, type NatsConnection } from '@nats-io/transport-node';
import { redactSecrets, redactUrl } from '@fleetshift/telemetry/redact';

/**
 * Connects to NATS, retrying forever after the first connection (a NATS restart must not kill a
 * service). The first connection fails with a clear message when the server is not reachable, naming
 * the URL without its credentials.
 */
export async function connectBus(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  } catch (error) {
    throw new Error(`NATS not reachable at ${redactUrl(url)}: ${redactSecrets((error as Error).message)}`);
  }
}
