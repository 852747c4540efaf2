import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';
import { z } from 'zod';
import { parseStaticClusters } from './clusters/static-clusters.js';
import type { PaceOptions } from './pace/pace-controller.js';
import { assertSignalLevels, signalNames, type SignalLevelTable } from './signals/signal-levels.js';

const level = (fallback: number) =>
  z.coerce.number({ error: 'expected a number' }).min(0, 'expected a number >= 0').default(fallback);

const intAtLeast = (minimum: number, fallback: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: `expected an integer from ${minimum}` })
    .int(`expected an integer from ${minimum}`)
    .min(minimum, `expected an integer >= ${minimum}`)
    .max(maximum, `expected an integer <= ${maximum}`)
    .default(fallback);

/**
 * Health-monitor configuration, from environment variables. Every default is here and documented in
 * apps/health-monitor/README.md.
 */
export const healthMonitorConfigShape = {
  ...baseServiceConfig({ grpcPort: 50054, metricsPort: 9454 }),
  FLEETSHIFT_NATS_URL: env.url(['nats'], 'nats://127.0.0.1:4222'),
  FLEETSHIFT_NATS_NAMESPACE: env.host('fleetshift'),
  /**
   * host:port of the scheduler, whose TenantService.ListClusters lists the clusters to watch (the
   * scheduler owns the control-plane database; the monitor never reads it).
   */
  FLEETSHIFT_SCHEDULER_ADDR: z
    .string()
    .default('127.0.0.1:50052')
    .refine((value) => /^[^\s:/]+:\d{1,5}$/.test(value) || /^\[[0-9a-f:]+\]:\d{1,5}$/i.test(value), { message: 'expected host:port' }),
  /**
   * A static list `id=postgresql://user@host:port/db,…`; when set, the scheduler is not asked.
   * Checked in loadHealthMonitorConfig, so that a bad value is reported without its passwords.
   */
  FLEETSHIFT_CLUSTERS: z.string().optional(),
  FLEETSHIFT_CLUSTER_REFRESH_MS: intAtLeast(1000, 5000),
  FLEETSHIFT_SAMPLE_INTERVAL_MS: intAtLeast(250, 1000),
  /** A heartbeat every this many samples without a change; at most 2 so that a signal never goes stale. */
  FLEETSHIFT_HEARTBEAT_EVERY_SAMPLES: intAtLeast(1, 1, 2),
  FLEETSHIFT_THROTTLE_AFTER_SAMPLES: intAtLeast(1, 3),
  /**
   * Two samples: with the pace controller a release restarts at the minimum pace, so a long hold after
   * a burst only costs idle time (it was 5, and each burst cost 5 idle seconds).
   */
  FLEETSHIFT_RELEASE_AFTER_SAMPLES: intAtLeast(1, 2),

  /** The pace controller (apps/health-monitor/src/pace): the CPU it holds, and its range of tenants at once. */
  FLEETSHIFT_PACE_TARGET_CPU: level(60),
  FLEETSHIFT_PACE_BAND: level(10),
  FLEETSHIFT_PACE_MIN: intAtLeast(1, 1),
  FLEETSHIFT_PACE_MAX: intAtLeast(1, 16),
  FLEETSHIFT_PACE_DECREASE: z.coerce
    .number({ error: 'expected a number between 0 and 1' })
    .gt(0, 'expected a number between 0 and 1')
    .lt(1, 'expected a number between 0 and 1')
    .default(0.7),

  /** See the README: auto is the postmaster's CPU for a cluster on this host, Prometheus (when set) for others. */
  FLEETSHIFT_CPU_SOURCE: z
    .enum(['auto', 'postmaster', 'proc-stat', 'prometheus', 'pg-stats', 'none'], {
      error: 'expected one of auto, postmaster, proc-stat, prometheus, pg-stats, none',
    })
    .default('auto'),
  FLEETSHIFT_PROMETHEUS_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || /^https?:\/\//.test(value), { message: 'expected a URL starting with http:// or https://' }),
  FLEETSHIFT_PROMETHEUS_QUERY: z
    .string()
    .default('100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",instance=~"{host}(:[0-9]+)?"}[1m])))'),
  /** JSON object {"cluster id": "PromQL"} overriding the query template per cluster. */
  FLEETSHIFT_PROMETHEUS_QUERIES: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) {
          return parsed as Record<string, string>;
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object of cluster id to PromQL string' });
      return z.NEVER;
    }),
  /** CPU cores of a remote database host whose registration has no `cores` label. */
  FLEETSHIFT_DB_CORES: intAtLeast(1, 4),

  FLEETSHIFT_CPU_THRESHOLD: level(80),
  // Release below the throttle line, not below the pace target: a steady unrelated load between the
  // target and the line must not hold a cluster throttled for good (the pace runs it slowly instead).
  FLEETSHIFT_CPU_RELEASE: level(75),
  FLEETSHIFT_CPU_CRITICAL: level(95),
  FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: level(2),
  FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: level(1),
  FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: level(4),
  FLEETSHIFT_LOCK_WAITERS_THRESHOLD: level(0),
  FLEETSHIFT_LOCK_WAITERS_RELEASE: level(0),
  FLEETSHIFT_LOCK_WAITERS_CRITICAL: level(10),
  FLEETSHIFT_REPLICATION_LAG_THRESHOLD: level(10),
  FLEETSHIFT_REPLICATION_LAG_RELEASE: level(5),
  FLEETSHIFT_REPLICATION_LAG_CRITICAL: level(60),
  /** Transactions per second, for clusters with the pg-stats source only: tune them to the cluster. */
  FLEETSHIFT_XACT_RATE_THRESHOLD: level(2000),
  FLEETSHIFT_XACT_RATE_RELEASE: level(1000),
  FLEETSHIFT_XACT_RATE_CRITICAL: level(10000),
};

export type HealthMonitorConfig = ReturnType<typeof loadHealthMonitorConfig>;

export function loadHealthMonitorConfig() {
  const config = loadConfig(healthMonitorConfigShape);
  try {
    if (config.FLEETSHIFT_CLUSTERS !== undefined) {
      try {
        parseStaticClusters(config.FLEETSHIFT_CLUSTERS);
      } catch (error) {
        throw new Error(`FLEETSHIFT_CLUSTERS: ${(error as Error).message}`);
      }
    }
    assertSignalLevels(signalLevelsFrom(config));
  } catch (error) {
    process.stderr.write(`invalid configuration: ${(error as Error).message}\n`);
    process.exit(2);
  }
  return config;
}

/** The pace controller's options from the configuration. */
export function paceOptionsFrom(config: {
  FLEETSHIFT_PACE_TARGET_CPU: number;
  FLEETSHIFT_PACE_BAND: number;
  FLEETSHIFT_PACE_MIN: number;
  FLEETSHIFT_PACE_MAX: number;
  FLEETSHIFT_PACE_DECREASE: number;
}): PaceOptions {
  return {
    targetCpu: config.FLEETSHIFT_PACE_TARGET_CPU,
    band: config.FLEETSHIFT_PACE_BAND,
    min: config.FLEETSHIFT_PACE_MIN,
    max: Math.max(config.FLEETSHIFT_PACE_MIN, config.FLEETSHIFT_PACE_MAX),
    decreaseFactor: config.FLEETSHIFT_PACE_DECREASE,
  };
}

/** The thresholds of each signal from the configuration. */
export function signalLevelsFrom(config: {
  FLEETSHIFT_CPU_THRESHOLD: number;
  FLEETSHIFT_CPU_RELEASE: number;
  FLEETSHIFT_CPU_CRITICAL: number;
  FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: number;
  FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: number;
  FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: number;
  FLEETSHIFT_LOCK_WAITERS_THRESHOLD: number;
  FLEETSHIFT_LOCK_WAITERS_RELEASE: number;
  FLEETSHIFT_LOCK_WAITERS_CRITICAL: number;
  FLEETSHIFT_REPLICATION_LAG_THRESHOLD: number;
  FLEETSHIFT_REPLICATION_LAG_RELEASE: number;
  FLEETSHIFT_REPLICATION_LAG_CRITICAL: number;
  FLEETSHIFT_XACT_RATE_THRESHOLD: number;
  FLEETSHIFT_XACT_RATE_RELEASE: number;
  FLEETSHIFT_XACT_RATE_CRITICAL: number;
}): SignalLevelTable {
  return {
    [signalNames.cpu]: { threshold: config.FLEETSHIFT_CPU_THRESHOLD, release: config.FLEETSHIFT_CPU_RELEASE, critical: config.FLEETSHIFT_CPU_CRITICAL },
    [signalNames.sessions]: {
      threshold: config.FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD,
      release: config.FLEETSHIFT_SESSIONS_PER_CORE_RELEASE,
      critical: config.FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL,
    },
    [signalNames.lockWaiters]: {
      threshold: config.FLEETSHIFT_LOCK_WAITERS_THRESHOLD,
      release: config.FLEETSHIFT_LOCK_WAITERS_RELEASE,
      critical: config.FLEETSHIFT_LOCK_WAITERS_CRITICAL,
    },
    [signalNames.replicationLag]: {
      threshold: config.FLEETSHIFT_REPLICATION_LAG_THRESHOLD,
      release: config.FLEETSHIFT_REPLICATION_LAG_RELEASE,
      critical: config.FLEETSHIFT_REPLICATION_LAG_CRITICAL,
    },
    [signalNames.xactRate]: {
      threshold: config.FLEETSHIFT_XACT_RATE_THRESHOLD,
      release: config.FLEETSHIFT_XACT_RATE_RELEASE,
      critical: config.FLEETSHIFT_XACT_RATE_CRITICAL,
    },
  } as SignalLevelTable;
}
