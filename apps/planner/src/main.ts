import { PlannerServiceService } from '@fleetshift/contracts';
import { createServiceRuntime } from '@fleetshift/telemetry';
import { loadPlannerConfig } from './config.js';
import { createPlannerMetrics } from './planner-metrics.js';
import { plannerService } from './planner-service.js';

const config = loadPlannerConfig();
const runtime = createServiceRuntime('planner', config);

await runtime.serve([
  {
    name: 'fleetshift.v1.PlannerService',
    definition: PlannerServiceService,
    implementation: plannerService({
      scratchServerUrl: config.FLEETSHIFT_SCRATCH_PG_URL,
      tenantConnectTimeoutMs: config.FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS,
      verifyPlans: config.FLEETSHIFT_VERIFY_PLANS,
      metrics: createPlannerMetrics(runtime.metrics),
      logger: runtime.logger,
    }),
  },
]);
