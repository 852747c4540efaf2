import { z } from 'zod';
import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';
import { DEFAULT_ALLOWED_EXTENSIONS, DEFAULT_SANDBOX, DEFAULT_SANDBOX_GROUP, type SandboxOptions } from '@fleetshift/schema';

/** Planner configuration, from environment variables (see apps/planner/README.md). */
export const plannerConfigShape = {
  ...baseServiceConfig({ grpcPort: 50051, metricsPort: 9451 }),
  /** A PostgreSQL server where the planner may create and drop scratch databases. */
  FLEETSHIFT_SCRATCH_PG_URL: env.url(['postgres', 'postgresql'], 'postgresql://postgres@127.0.0.1:5432/postgres'),
  /** How long the planner waits for a tenant connection before it answers UNAVAILABLE. */
  FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS: env.positiveInt(5_000),
  /**
   * Replay every plan on a scratch copy of its from-state before answering it (docs/architecture.md,
   * plan verification); a plan that does not converge answers INTERNAL. Costs one more scratch database
   * per plan (see README).
   */
  FLEETSHIFT_VERIFY_PLANS: z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Desired schemas the planner keeps loaded (LRU), so a rollout's schema is loaded once, not per call. */
  FLEETSHIFT_DESIRED_SCHEMA_CACHE_ENTRIES: env.positiveInt(32),
  /**
   * The sandbox desired schemas run in (docs/security.md): the group role of the per-load login roles,
   * created when missing; 1-46 of a-z, 0-9, _.
   */
  FLEETSHIFT_SANDBOX_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,45}$/, 'expected 1-46 of a-z, 0-9, _ (not starting with a digit)')
    .default(DEFAULT_SANDBOX_GROUP),
  /** statement_timeout of a sandbox session: a statement of a desired schema (or a replayed step) may run this long. */
  FLEETSHIFT_SANDBOX_STATEMENT_TIMEOUT_MS: env.positiveInt(DEFAULT_SANDBOX.statementTimeoutMs),
  /** The whole load (or replay) of one scratch database: past it the session is cancelled, then terminated. */
  FLEETSHIFT_SANDBOX_SESSION_TIMEOUT_MS: env.positiveInt(DEFAULT_SANDBOX.sessionTimeoutMs),
  /** Largest schema text accepted (UTF-8 bytes); larger answers INVALID_ARGUMENT. */
  FLEETSHIFT_MAX_SCHEMA_BYTES: env.positiveInt(DEFAULT_SANDBOX.maxInputBytes),
  /** Extensions a desired schema may create, comma-separated ('' = none). */
  FLEETSHIFT_ALLOWED_EXTENSIONS: z
    .string()
    .default(DEFAULT_ALLOWED_EXTENSIONS.join(','))
    .transform((list) => list.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0)),
};

export const loadPlannerConfig = () => loadConfig(plannerConfigShape);
export type PlannerConfig = ReturnType<typeof loadPlannerConfig>;

/** The sandbox options of a planner configuration. */
export function sandboxOf(config: PlannerConfig): SandboxOptions {
  return {
    group: config.FLEETSHIFT_SANDBOX_ROLE,
    statementTimeoutMs: config.FLEETSHIFT_SANDBOX_STATEMENT_TIMEOUT_MS,
    sessionTimeoutMs: config.FLEETSHIFT_SANDBOX_SESSION_TIMEOUT_MS,
    maxInputBytes: config.FLEETSHIFT_MAX_SCHEMA_BYTES,
    allowedExtensions: config.FLEETSHIFT_ALLOWED_EXTENSIONS,
  };
}
