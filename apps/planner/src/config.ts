import { baseServiceConfig, env, loadConfig } from '@fleetshift/telemetry';

/** Planner configuration, from environment variables (see apps/planner/README.md). */
export const plannerConfigShape = {
  ...baseServiceConfig({ grpcPort: 50051, metricsPort: 9451 }),
  /** A PostgreSQL server where the planner may create and drop scratch databases. */
  FLEETSHIFT_SCRATCH_PG_URL: env.url(['postgres', 'postgresql'], 'postgresql://postgres@127.0.0.1:5432/postgres'),
};

export const loadPlannerConfig = () => loadConfig(plannerConfigShape);
