import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';

/** Executor configuration, from environment variables (see apps/executor/README.md). */
export const executorConfigShape = {
  ...baseServiceConfig({ grpcPort: 50053, metricsPort: 9453 }),
  FLEETSHIFT_NATS_URL: env.url(['nats'], 'nats://127.0.0.1:4222'),
  FLEETSHIFT_NATS_NAMESPACE: env.host('fleetshift'),
};

export const loadExecutorConfig = () => loadConfig(executorConfigShape);
