import { z } from 'zod';
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
  /**
   * A cluster without any throttle signal yet (no health monitor ever ran): `throttled` (the safe
   * default — no batch is published for it) or `ok`. A stale signal always counts as throttled.
   */
  FLEETSHIFT_MISSING_THROTTLE_SIGNAL: z
    .enum(['throttled', 'ok'], { error: 'expected throttled or ok' })
    .default('throttled'),
};

export const loadSchedulerConfig = () => loadConfig(schedulerConfigShape);
