import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { env } from './config.js';
import { startGrpcServer, type RunningGrpcServer, type ServiceRegistration } from './grpc-server.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';
import { onShutdown } from './shutdown.js';

/** The environment variables every service reads (defaults differ per service only in ports). */
export function baseServiceConfig(defaults: { grpcPort: number; metricsPort: number }) {
  return {
    FLEETSHIFT_LOG_LEVEL: env.logLevel(),
    FLEETSHIFT_GRPC_HOST: env.host('0.0.0.0'),
    FLEETSHIFT_GRPC_PORT: env.port(defaults.grpcPort),
    FLEETSHIFT_METRICS_PORT: env.port(defaults.metricsPort),
    FLEETSHIFT_API_TOKEN: env.optionalString(),
  };
}

export interface BaseServiceConfig {
  FLEETSHIFT_LOG_LEVEL: string;
  FLEETSHIFT_GRPC_HOST: string;
  FLEETSHIFT_GRPC_PORT: number;
  FLEETSHIFT_METRICS_PORT: number;
  FLEETSHIFT_API_TOKEN?: string;
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

/** Logger and metrics for a service's main.ts; the rest of main.ts wires its handlers. */
export function createServiceRuntime(service: string, config: BaseServiceConfig): ServiceRuntime {
  const logger = createLogger(service, config.FLEETSHIFT_LOG_LEVEL);
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
      });
      const metricsServer = await startMetricsServer(metrics, config.FLEETSHIFT_METRICS_PORT);
      logger.info(
        { grpcPort: grpcServer.port, metricsPort: metricsServer.port, auth: Boolean(config.FLEETSHIFT_API_TOKEN) },
        'listening',
      );
      onShutdown(logger, async () => {
        await grpcServer.stop();
        await stop();
        await metricsServer.close();
      });
      return grpcServer;
    },
  };
}
