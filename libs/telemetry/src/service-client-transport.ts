import { clientTransport, ClientTlsError, type ClientTransport } from '@fleetshift/contracts';

/**
 * The transport a service's own gRPC clients use (FLEETSHIFT_TLS_CA, FLEETSHIFT_TLS_CLIENT_CERT /
 * FLEETSHIFT_TLS_CLIENT_KEY, FLEETSHIFT_TLS_SERVER_NAME). An unusable file is a configuration error:
 * one line naming the variable, exit 2, as for every other variable.
 */
export function serviceClientTransport(env: NodeJS.ProcessEnv = process.env): ClientTransport {
  try {
    return clientTransport(env);
  } catch (error) {
    if (!(error instanceof ClientTlsError)) throw error;
    process.stderr.write(`invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
}
