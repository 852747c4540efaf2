export { createLogger, redactUrl, type Logger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export { startMetricsServer, type MetricsServer } from './metrics-server.js';
export { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer, type ServiceRegistration } from './grpc-server.js';
export { bearerAuthInterceptor } from './bearer-auth.js';
export { unimplementedService } from './unimplemented.js';
export { loadConfig, env } from './config.js';
export { onShutdown } from './shutdown.js';
export { createServiceRuntime, baseServiceConfig, type BaseServiceConfig, type ServiceRuntime } from './service-runtime.js';
