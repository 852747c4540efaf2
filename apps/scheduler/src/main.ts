import { RolloutServiceService, SchemaServiceService, TenantServiceService } from '@fleetshift/contracts';
import { createServiceRuntime, unimplementedService } from '@fleetshift/telemetry';
import { loadSchedulerConfig } from './config.js';

const config = loadSchedulerConfig();
const runtime = createServiceRuntime('scheduler', config);
const why = 'the control plane is being built (issue 4)';

await runtime.serve([
  { name: 'fleetshift.v1.SchemaService', definition: SchemaServiceService, implementation: unimplementedService(SchemaServiceService, why) },
  { name: 'fleetshift.v1.TenantService', definition: TenantServiceService, implementation: unimplementedService(TenantServiceService, why) },
  { name: 'fleetshift.v1.RolloutService', definition: RolloutServiceService, implementation: unimplementedService(RolloutServiceService, why) },
]);
