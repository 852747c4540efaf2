import { PlannerServiceService } from '@fleetshift/contracts';
import { createServiceRuntime } from '@fleetshift/telemetry';
import { loadPlannerConfig, sandboxOf } from './config.js';
import { plannerDesiredSchemas } from './desired-schema.js';
import { createPlannerMetrics } from './planner-metrics.js';
import { plannerService } from './planner-service.js';

const config = loadPlannerConfig();
const runtime = createServiceRuntime('planner', config);
const metrics = createPlannerMetrics(runtime.metrics);
const sandbox = sandboxOf(config);

await runtime.serve([
  {
    name: 'fleetshift.v1.PlannerService',
    definition: PlannerServiceService,
    implementation: plannerService({
      scratchServerUrl: config.FLEETSHIFT_SCRATCH_PG_URL,
      sandbox,
      desiredSchemas: plannerDesiredSchemas(config.FLEETSHIFT_SCRATCH_PG_URL, sandbox, config.FLEETSHIFT_DESIRED_SCHEMA_CACHE_ENTRIES, metrics),
      tenantConnectTimeoutMs: config.FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS,
      verifyPlans: config.FLEETSHIFT_VERIFY_PLANS,
      metrics,
      logger: runtime.logger,
    }),
  },
]);
