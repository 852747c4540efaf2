import { hostname } from 'node:os';
import { z } from 'zod';
import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';
import type { SessionSafety } from '@fleetshift/tenant-connection';
import { standInDelayDefaults, type StandInDelay } from './simulation/stand-in-delay.js';

/**
 * Executor configuration, from environment variables. Every default the executor uses lives here.
 */
export const executorConfigShape = {
  ...baseServiceConfig({ grpcPort: 50053, metricsPort: 9453 }),
  FLEETSHIFT_NATS_URL: env.url(['nats'], 'nats://127.0.0.1:4222'),
  FLEETSHIFT_NATS_NAMESPACE: env.host('fleetshift'),
  /** Names this executor in results, applied_versions rows and application_name. Default: host-pid. */
  FLEETSHIFT_EXECUTOR_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected 1-40 letters, digits, ".", "_" or "-"')
    .default(`${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 28)}-${process.pid}`),
  /**
   * lock_timeout for a step whose plan gives none. Short: every query of the application on the table
   * waits behind a DDL that waits for its lock, for up to this long.
   */
  FLEETSHIFT_EXECUTOR_DEFAULT_LOCK_TIMEOUT_MS: env.positiveInt(50),
  /** Lock-timeout retries per step when the batch gives none (BatchJob.max_lock_retries = 0). */
  FLEETSHIFT_EXECUTOR_MAX_LOCK_RETRIES: env.positiveInt(6),
  /** Exponential backoff with jitter between lock-timeout retries: base and cap. */
  FLEETSHIFT_EXECUTOR_BACKOFF_BASE_MS: env.positiveInt(50),
  FLEETSHIFT_EXECUTOR_BACKOFF_CAP_MS: env.positiveInt(1_000),
  /**
   * A tenant whose step spent its lock retries goes back to the queue (the rest of its batch goes on)
   * this many times; then it fails with LOCK_TIMEOUT_BUDGET.
   */
  FLEETSHIFT_EXECUTOR_MAX_LOCK_DEFERRALS: env.positiveInt(5),
  /**
   * Batches of one cluster this executor runs at once. All executors together are still bounded by the
   * cluster consumer's max_ack_pending (the server hands out no more), so this only lets one executor
   * use more of a cluster's budget when it is alone.
   */
  FLEETSHIFT_EXECUTOR_BATCHES_PER_CLUSTER: env.positiveInt(2),
  /** How often the executor re-lists the batch stream's consumers to pick up new clusters. */
  FLEETSHIFT_EXECUTOR_DISCOVERY_INTERVAL_MS: env.positiveInt(5_000),
  /** Tenant connection attempt timeout (an unreachable tenant fails after it). */
  FLEETSHIFT_EXECUTOR_CONNECT_TIMEOUT_MS: env.positiveInt(5_000),
  /**
   * How long a batch waits for its cluster to come back from THROTTLED (or its rollout from PAUSED),
   * keeping the batch with in-progress acks, before it is returned to the queue (NAK with delay).
   */
  FLEETSHIFT_EXECUTOR_HOLD_MS: env.positiveInt(30_000),
  /** ack_wait of a cluster consumer the executor creates itself (a dead executor's batch returns after it). */
  FLEETSHIFT_EXECUTOR_ACK_WAIT_MS: env.positiveInt(30_000),
  /** Redelivery delay of a batch returned to the queue (throttled, paused, shutdown, tenant busy). */
  FLEETSHIFT_EXECUTOR_NAK_DELAY_MS: env.positiveInt(2_000),
  /**
   * In-progress acks stop when a tenant in hand made no progress (no step ended) for this long, so that
   * ack_wait hands the batch to another executor. Above the longest step you expect to run (a long
   * CREATE INDEX CONCURRENTLY counts as no progress while it runs).
   */
  FLEETSHIFT_EXECUTOR_STALL_MS: env.positiveInt(60_000),
  /** idle_in_transaction_session_timeout of tenant sessions: a frozen executor's transaction ends after it. */
  FLEETSHIFT_EXECUTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS: env.positiveInt(10_000),
  /**
   * idle_session_timeout of tenant sessions (PostgreSQL 14+; 0: not set): frees the tenant lock of an
   * executor frozen between two units. Must exceed the hold time plus the backoff cap (an executor waits
   * that long, idle and holding its tenant lock, before a lock-timeout retry on a throttled cluster).
   * Unset: that sum plus 60 s.
   */
  FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS: z.coerce
    .number({ error: 'expected 0 or a positive integer' })
    .int('expected 0 or a positive integer')
    .min(0, 'expected 0 or a positive integer')
    .optional(),
  /** TCP keepalive idle time of tenant sessions, both ends (then 3 probes, every half of it). */
  FLEETSHIFT_EXECUTOR_TCP_KEEPALIVE_MS: env.positiveInt(10_000),
  /** client_connection_check_interval of tenant sessions (PostgreSQL 14+; older servers skip it). */
  FLEETSHIFT_EXECUTOR_CONNECTION_CHECK_INTERVAL_MS: env.positiveInt(5_000),
  /**
   * Simulation mode (simulation/simulation-mode.ts decides whether it may start; "1" asks for it): the
   * tenant stand-in's delay, log-normal with this median and sigma (simulation/stand-in-delay.ts).
   */
  FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_MEDIAN_MS: env.positiveInt(standInDelayDefaults.medianMs),
  FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_SIGMA: z.coerce.number({ error: 'expected a number from 0 to 3' }).min(0).max(3).default(standInDelayDefaults.sigma),
};

/** The variables as parsed. */
export type ExecutorSettings = z.infer<z.ZodObject<typeof executorConfigShape>>;
export type ExecutorConfig = ExecutorSettings & { standInDelay: StandInDelay };

export const loadExecutorConfig = (): ExecutorConfig => {
  const loaded = loadConfig(executorConfigShape);
  const config = {
    ...loaded,
    standInDelay: { ...standInDelayDefaults, medianMs: loaded.FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_MEDIAN_MS, sigma: loaded.FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_SIGMA },
  };
  const problem = crossCheck(config);
  if (problem) {
    process.stderr.write(`invalid configuration: ${problem}\n`);
    process.exit(2);
  }
  return config;
};

/** What no single variable's type can say: the bounds between variables. */
export function crossCheck(config: ExecutorSettings): string | undefined {
  const idle = config.FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS;
  const held = longestIdleHoldingLock(config);
  if (idle !== undefined && idle > 0 && idle <= held) {
    return `FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS=${idle}: must be 0 or above FLEETSHIFT_EXECUTOR_HOLD_MS + FLEETSHIFT_EXECUTOR_BACKOFF_CAP_MS (${held}), the longest an executor idles on purpose holding a tenant lock`;
  }
  return undefined;
}

/** The longest an executor idles on purpose, holding a tenant's session lock: the hold time and one backoff. */
function longestIdleHoldingLock(config: ExecutorSettings): number {
  return config.FLEETSHIFT_EXECUTOR_HOLD_MS + config.FLEETSHIFT_EXECUTOR_BACKOFF_CAP_MS;
}

/** The tenant sessions' safety settings from the configuration. */
export function sessionSafetyOf(config: ExecutorSettings): SessionSafety {
  const keepAliveMs = config.FLEETSHIFT_EXECUTOR_TCP_KEEPALIVE_MS;
  return {
    idleInTransactionTimeoutMs: config.FLEETSHIFT_EXECUTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    idleSessionTimeoutMs: config.FLEETSHIFT_EXECUTOR_IDLE_SESSION_TIMEOUT_MS ?? longestIdleHoldingLock(config) + 60_000,
    keepAliveIdleMs: keepAliveMs,
    keepAliveIntervalMs: Math.max(1_000, Math.floor(keepAliveMs / 2)),
    keepAliveCount: 3,
    connectionCheckIntervalMs: config.FLEETSHIFT_EXECUTOR_CONNECTION_CHECK_INTERVAL_MS,
  };
}
