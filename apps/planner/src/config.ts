import { z } from 'zod';
import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';

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
};

export const loadPlannerConfig = () => loadConfig(plannerConfigShape);
export type PlannerConfig = ReturnType<typeof loadPlannerConfig>;
