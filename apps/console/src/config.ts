import { env, loadConfig } from '@fleetshift/telemetry';
import { z } from 'zod';

const address = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => /^[^\s:/]+:\d{1,5}$/.test(value) || /^\[[0-9a-f:]+\]:\d{1,5}$/i.test(value), { message: 'expected host:port' });

const intAtLeast = (minimum: number, fallback: number) =>
  z.coerce
    .number({ error: `expected an integer from ${minimum}` })
    .int(`expected an integer from ${minimum}`)
    .min(minimum, `expected an integer >= ${minimum}`)
    .default(fallback);

/**
 * The web console's configuration, from environment variables. Every default is here and documented in
 * apps/console/README.md. The console is a client of the scheduler and the health monitor only: it has
 * no database or NATS settings.
 */
export const consoleConfigShape = {
  FLEETSHIFT_LOG_LEVEL: env.logLevel(),
  /** Loopback by default; elsewhere the console refuses to start without FLEETSHIFT_API_TOKEN (or --insecure). */
  FLEETSHIFT_CONSOLE_HOST: env.host('127.0.0.1'),
  FLEETSHIFT_CONSOLE_PORT: env.port(8080),
  FLEETSHIFT_SCHEDULER_ADDR: address('127.0.0.1:50052'),
  FLEETSHIFT_HEALTH_MONITOR_ADDR: address('127.0.0.1:50054'),
  /**
   * Sent to the scheduler and the monitor on every call, and required from every browser on every /api
   * request (`authorization: Bearer …`) when set.
   */
  FLEETSHIFT_API_TOKEN: env.optionalString(),
  FLEETSHIFT_INSECURE: env.boolean(false),
  /** How often the rollout list, the clusters and their health are asked for again. */
  FLEETSHIFT_CONSOLE_REFRESH_MS: intAtLeast(250, 2000),
  /** Throttle samples kept per cluster for the charts (one per monitor sample or heartbeat). */
  FLEETSHIFT_CONSOLE_HISTORY_POINTS: intAtLeast(10, 900),
  /** Rollouts shown (newest first). */
  FLEETSHIFT_CONSOLE_ROLLOUTS: intAtLeast(1, 50),
};

export type ConsoleConfig = ReturnType<typeof loadConsoleConfig>;

export function loadConsoleConfig(environment: NodeJS.ProcessEnv = process.env) {
  return loadConfig(consoleConfigShape, environment);
}
