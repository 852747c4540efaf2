import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';

/** Health-monitor configuration, from environment variables (see apps/health-monitor/README.md). */
export const healthMonitorConfigShape = {
  ...baseServiceConfig({ grpcPort: 50054, metricsPort: 9454 }),
  FLEETSHIFT_NATS_URL: env.url(['nats'], 'nats://127.0.0.1:4222'),
  FLEETSHIFT_NATS_NAMESPACE: env.host('fleetshift'),
};

export const loadHealthMonitorConfig = () => loadConfig(healthMonitorConfigShape);
