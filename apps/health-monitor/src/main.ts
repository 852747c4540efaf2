import { HealthMonitorServiceService } from '@fleetshift/contracts';
import { createServiceRuntime, unimplementedService } from '@fleetshift/telemetry';
import { loadHealthMonitorConfig } from './config.js';

const config = loadHealthMonitorConfig();
const runtime = createServiceRuntime('health-monitor', config);

await runtime.serve([
  {
    name: 'fleetshift.v1.HealthMonitorService',
    definition: HealthMonitorServiceService,
    implementation: unimplementedService(HealthMonitorServiceService, 'the health monitor is being built (issue 5)'),
  },
]);
