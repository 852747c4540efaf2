import { PlannerServiceService, type LintRequest, type LintResponse } from '@fleetshift/contracts';
import type { Logger } from 'pino';
import type { ServiceRegistration } from '../grpc-server.js';
import { unaryHandler } from '../unary-handler.js';
import { unimplementedService } from '../unimplemented.js';

/**
 * A real Fleetshift service definition (the planner's) for telemetry's own tests: Lint answers one
 * finding echoing the SQL it got; `hold` may keep a call open (to test draining); the rest UNIMPLEMENTED.
 */
export function echoService(logger: Logger, hold: (request: LintRequest) => Promise<void> = async () => undefined): ServiceRegistration {
  return {
    name: 'fleetshift.v1.PlannerService',
    definition: PlannerServiceService,
    implementation: {
      ...unimplementedService(PlannerServiceService, 'not part of the echo service'),
      lint: unaryHandler<LintRequest, LintResponse>('Lint', logger, async (request) => {
        await hold(request);
        return { findings: [{ rule: 'echo', severity: 'warning', message: request.sql, line: 1, column: 1, hazards: [] }] };
      }),
    },
  };
}
