import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { exposureRefusal, insecureRequested, isLoopbackHost } from './bind-exposure.js';
import { CertificateFiles, TlsFilesError } from './certificate-files.js';
import { env } from './config.js';
import { startGrpcServer, type RunningGrpcServer, type ServiceRegistration } from './grpc-server.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';
import { exitOnUnhandledFailure } from './process-failure.js';
import { onShutdown } from './shutdown.js';

/** The environment variables every service reads (defaults differ per service only in ports). */
export function baseServiceConfig(defaults: { grpcPort: number; metricsPort: number }) {
  return {
    FLEETSHIFT_LOG_LEVEL: env.logLevel(),
    /** Loopback by default: a local run is never reachable from the network by accident. */
    FLEETSHIFT_GRPC_HOST: env.host('127.0.0.1'),
    FLEETSHIFT_GRPC_PORT: env.port(defaults.grpcPort),
    /** Unset: the gRPC host. Kubernetes sets 0.0.0.0 so that Prometheus can scrape. */
    FLEETSHIFT_METRICS_HOST: env.optionalString(),
    FLEETSHIFT_METRICS_PORT: env.port(defaults.metricsPort),
    FLEETSHIFT_API_TOKEN: env.optionalString(),
    /** Serve without authentication outside loopback (also `--insecure`). */
    FLEETSHIFT_INSECURE: env.boolean(false),
    FLEETSHIFT_TLS_CERT: env.optionalString(),
    FLEETSHIFT_TLS_KEY: env.optionalString(),
    FLEETSHIFT_TLS_CLIENT_CA: env.optionalString(),
    FLEETSHIFT_TLS_RELOAD_MS: env.positiveInt(60_000),
  };
}

export interface BaseServiceConfig {
  FLEETSHIFT_LOG_LEVEL: string;
  FLEETSHIFT_GRPC_HOST: string;
  FLEETSHIFT_GRPC_PORT: number;
  FLEETSHIFT_METRICS_HOST?: string;
  FLEETSHIFT_METRICS_PORT: number;
  FLEETSHIFT_API_TOKEN?: string;
  FLEETSHIFT_INSECURE?: boolean;
  FLEETSHIFT_TLS_CERT?: string;
  FLEETSHIFT_TLS_KEY?: string;
  FLEETSHIFT_TLS_CLIENT_CA?: string;
  FLEETSHIFT_TLS_RELOAD_MS?: number;
}

export interface ServiceRuntime {
  logger: Logger;
  metrics: Registry;
  /**
   * Starts gRPC (with health and reflection) and the /metrics endpoint, and on SIGTERM/SIGINT stops
   * gRPC, then runs `stop` (close NATS, pools…), then closes /metrics.
   */
  serve(services: ServiceRegistration[], stop?: () => Promise<void>): Promise<RunningGrpcServer>;
}

/**
 * Logger and metrics for a service's main.ts; the rest of main.ts wires its handlers. Refuses to start
 * (one line on stderr, exit 2) when the TLS files are unusable, or when the API would be open to the
 * network (see exposureRefusal); from here on an unhandled rejection or exception logs one line and
 * exits 1.
 */
export function createServiceRuntime(service: string, config: BaseServiceConfig, argv: readonly string[] = process.argv): ServiceRuntime {
  const logger = createLogger(service, config.FLEETSHIFT_LOG_LEVEL);
  exitOnUnhandledFailure(logger, [config.FLEETSHIFT_API_TOKEN]);
  const tls = serverTls(config, logger);
  const refusal = exposureRefusal({
    host: config.FLEETSHIFT_GRPC_HOST,
    apiToken: config.FLEETSHIFT_API_TOKEN,
    mtls: tls?.mtls ?? false,
    insecure: insecureRequested(config.FLEETSHIFT_INSECURE, argv),
  });
  if (refusal) refuse(refusal);
  const metrics = createMetricsRegistry(service);
  return {
    logger,
    metrics,
    async serve(services, stop = async () => undefined) {
      const grpcServer = await startGrpcServer({
        host: config.FLEETSHIFT_GRPC_HOST,
        port: config.FLEETSHIFT_GRPC_PORT,
        services,
        apiToken: config.FLEETSHIFT_API_TOKEN,
        tls,
      });
      const metricsServer = await startMetricsServer(metrics, config.FLEETSHIFT_METRICS_PORT, config.FLEETSHIFT_METRICS_HOST ?? config.FLEETSHIFT_GRPC_HOST);
      logger.info(
        {
          host: config.FLEETSHIFT_GRPC_HOST,
          grpcPort: grpcServer.port,
          metricsPort: metricsServer.port,
          auth: Boolean(config.FLEETSHIFT_API_TOKEN),
          tls: tls ? (tls.mtls ? 'mtls' : 'tls') : 'off',
        },
        'listening',
      );
      if (config.FLEETSHIFT_API_TOKEN && !tls && !isLoopbackHost(config.FLEETSHIFT_GRPC_HOST)) {
        logger.warn('the bearer token travels in plaintext: set FLEETSHIFT_TLS_CERT and FLEETSHIFT_TLS_KEY');
      }
      onShutdown(logger, async () => {
        await grpcServer.stop();
        await stop();
        await metricsServer.close();
      });
      return grpcServer;
    },
  };
}

function serverTls(config: BaseServiceConfig, logger: Logger): CertificateFiles | undefined {
  const { FLEETSHIFT_TLS_CERT: certFile, FLEETSHIFT_TLS_KEY: keyFile, FLEETSHIFT_TLS_CLIENT_CA: clientCaFile } = config;
  if (!certFile && !keyFile && !clientCaFile) return undefined;
  if (!certFile || !keyFile) refuse('invalid configuration: FLEETSHIFT_TLS_CERT and FLEETSHIFT_TLS_KEY must be set together (and both for FLEETSHIFT_TLS_CLIENT_CA)');
  try {
    return new CertificateFiles({ certFile, keyFile, clientCaFile, reloadIntervalMs: config.FLEETSHIFT_TLS_RELOAD_MS }, (outcome) => {
      if (outcome.reloaded) logger.info('TLS certificate files changed: reloaded');
      else logger.warn({ reason: outcome.error }, 'TLS certificate files changed but cannot be used: keeping the previous ones');
    });
  } catch (error) {
    if (error instanceof TlsFilesError) refuse(`invalid configuration: ${error.message}`);
    throw error;
  }
}

function refuse(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(2);
}
