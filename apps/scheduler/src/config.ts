import { z } from 'zod';
import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';
import { leaderDefaults, recoveryDefaults } from './defaults.js';

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
  /** A published batch silent this long (plus the per-tenant allowance) is checked against JetStream by the reaper. */
  FLEETSHIFT_BATCH_OVERDUE_MS: env.positiveInt(recoveryDefaults.batchOverdueMs),
  /** Added to the overdue bound for each tenant of the batch still queued or running. */
  FLEETSHIFT_BATCH_OVERDUE_PER_TENANT_MS: z.coerce
    .number({ error: 'expected a whole number of milliseconds >= 0' })
    .int('expected a whole number of milliseconds >= 0')
    .min(0, 'expected a whole number of milliseconds >= 0')
    .default(recoveryDefaults.batchOverduePerTenantMs),
  /** How often the reaper runs. */
  FLEETSHIFT_REAPER_INTERVAL_MS: env.positiveInt(recoveryDefaults.reapIntervalMs),
  /** Deliveries of a batch before JetStream gives up on it and it is dead-lettered (its tenants FAILED). */
  FLEETSHIFT_BATCH_MAX_DELIVER: env.positiveInt(recoveryDefaults.maxDeliver),
  /** How often the leader's outbox relay publishes unpublished control changes to the rollouts KV bucket. */
  FLEETSHIFT_CONTROL_RELAY_INTERVAL_MS: env.positiveInt(recoveryDefaults.controlRelayIntervalMs),
  /** A rollout still PENDING this long after its creation is run (stored whole) or failed by the leader. */
  FLEETSHIFT_PENDING_ROLLOUT_GRACE_MS: env.positiveInt(recoveryDefaults.pendingGraceMs),
  /** The leader's heartbeat on its election session, and how often followers try for the leadership. */
  FLEETSHIFT_LEADER_HEARTBEAT_MS: env.positiveInt(leaderDefaults.heartbeatMs),
  /** A leader session silent this long is ended by PostgreSQL (idle_session_timeout): the takeover bound for a frozen leader. */
  FLEETSHIFT_LEADER_SESSION_TIMEOUT_MS: env.positiveInt(leaderDefaults.sessionTimeoutMs),
  /** This replica's name in logs (default: host name and process id). */
  FLEETSHIFT_SCHEDULER_ID: z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, 'expected 1-63 letters, digits, dot, dash or underscore').optional(),
};

export const loadSchedulerConfig = () => {
  const config = loadConfig(schedulerConfigShape);
  if (config.FLEETSHIFT_LEADER_SESSION_TIMEOUT_MS < 4 * config.FLEETSHIFT_LEADER_HEARTBEAT_MS) {
    throw new Error(
      `FLEETSHIFT_LEADER_SESSION_TIMEOUT_MS (${config.FLEETSHIFT_LEADER_SESSION_TIMEOUT_MS}) must be at least 4 × FLEETSHIFT_LEADER_HEARTBEAT_MS (${config.FLEETSHIFT_LEADER_HEARTBEAT_MS})`,
    );
  }
  return config;
};
