import { connect, type NatsConnection } from '@nats-io/transport-node';
import { redactSecrets, redactUrl } from '@fleetshift/telemetry/redact';
import { natsConnectOptions, natsSecurityFromEnv, type NatsSecurity } from './nats-security.js';

/**
 * Connects to NATS with the credentials and TLS of `security` (by default from the environment, see
 * natsSecurityFromEnv), retrying forever after the first connection (a NATS restart must not kill a
 * service). The first connection fails with a clear message when the server is not reachable or
 * refuses the credentials, naming the URL without its credentials.
 */
export async function connectBus(url: string, name: string, security: NatsSecurity = natsSecurityFromEnv()): Promise<NatsConnection> {
  const options = natsConnectOptions(security);
  try {
    return await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, ...options });
  } catch (error) {
    const reason = redactSecrets((error as Error).message);
    if (/authori[sz]ation|authentication|auth/i.test(reason)) {
      throw new Error(
        `NATS at ${redactUrl(url)} refused the connection's credentials (${reason}): set FLEETSHIFT_NATS_USER and ` +
          'FLEETSHIFT_NATS_PASSWORD_FILE, FLEETSHIFT_NATS_CREDS_FILE or FLEETSHIFT_NATS_NKEY_SEED_FILE',
      );
    }
    const hint = /certificate|self.signed|tls/i.test(reason) ? ' (FLEETSHIFT_NATS_TLS_CA: the CA of the server\'s certificate)' : '';
    throw new Error(`NATS not reachable at ${redactUrl(url)}: ${reason}${hint}`);
  }
}
