import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';

/** Scheduler configuration, from environment variables (see apps/scheduler/README.md). */
export const schedulerConfigShape = {
  ...baseServiceConfig({ grpcPort: 50052, metricsPort: 9452 }),
  /** The control-plane database; created if missing. */
  FLEETSHIFT_CONTROL_DB_URL: env.url(['postgres', 'postgresql'], 'postgresql://postgres@127.0.0.1:5432/fleetshift'),
  FLEETSHIFT_NATS_URL: env.url(['nats'], 'nats://127.0.0.1:4222'),
  /** Namespace of every NATS stream, subject and bucket. */
  FLEETSHIFT_NATS_NAMESPACE: env.host('fleetshift'),
  /** host:port of the planner's gRPC server. */
  FLEETSHIFT_PLANNER_ADDR: env.host('127.0.0.1:50051'),
};

export const loadSchedulerConfig = () => loadConfig(schedulerConfigShape);
