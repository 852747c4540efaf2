import { PlannerServiceService } from '@fleetshift/contracts';
import { createServiceRuntime, unimplementedService } from '@fleetshift/telemetry';
import { loadPlannerConfig } from './config.js';

const config = loadPlannerConfig();
const runtime = createServiceRuntime('planner', config);

await runtime.serve([
  {
    name: 'fleetshift.v1.PlannerService',
    definition: PlannerServiceService,
    implementation: unimplementedService(PlannerServiceService, 'the planner is being built (issue 3)'),
  },
]);
