/**
 * Whether a bind address only accepts connections from this host: 127.0.0.0/8, ::1 and `localhost`.
 * Anything else (0.0.0.0, ::, a routable address, another name) is reachable from the network.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export interface ExposureSettings {
  host: string;
  apiToken?: string;
  /** Client certificates are required (FLEETSHIFT_TLS_CLIENT_CA set). */
  mtls: boolean;
  /** `--insecure` or FLEETSHIFT_INSECURE=true: the operator accepts an unauthenticated API. */
  insecure: boolean;
  /**
   * What would be exposed and the variable of its bind address, for the message: gRPC and
   * FLEETSHIFT_GRPC_HOST unless given (the web console: HTTP, FLEETSHIFT_CONSOLE_HOST, no mTLS).
   */
  served?: { what: string; hostVariable: string; mtls: boolean };
}

/**
 * Why a service must not start with these settings, or undefined when it may: outside loopback every
 * caller on the network could push schemas and start rollouts (which run SQL on every tenant), so
 * the API needs a bearer token or client certificates unless the operator says otherwise explicitly.
 */
export function exposureRefusal(settings: ExposureSettings): string | undefined {
  if (isLoopbackHost(settings.host) || settings.apiToken || settings.mtls || settings.insecure) return undefined;
  const served = settings.served ?? { what: 'gRPC', hostVariable: 'FLEETSHIFT_GRPC_HOST', mtls: true };
  const mtls = served.mtls ? ' (or mTLS: FLEETSHIFT_TLS_CERT, FLEETSHIFT_TLS_KEY and FLEETSHIFT_TLS_CLIENT_CA)' : '';
  return (
    `refusing to serve ${served.what} on ${settings.host} without authentication: set FLEETSHIFT_API_TOKEN${mtls}, ` +
    `bind ${served.hostVariable}=127.0.0.1, or accept an open API with --insecure / FLEETSHIFT_INSECURE=true`
  );
}

/** `--insecure` among the process arguments, or FLEETSHIFT_INSECURE=true (already parsed by the config). */
export function insecureRequested(configured: boolean | undefined, argv: readonly string[] = process.argv): boolean {
  return Boolean(configured) || argv.slice(2).includes('--insecure');
}
