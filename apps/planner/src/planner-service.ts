import type { PlannerServiceServer } from '@fleetshift/contracts';
import { unaryHandler } from '@fleetshift/telemetry';
import { cancellableUnaryHandler } from './cancellable-unary.js';
import { validatedService } from '@fleetshift/telemetry/request-fields';
import { plannerServiceValidators } from './request-validation.js';
import { diffHandler } from './handlers/diff.js';
import { introspectHandler } from './handlers/introspect.js';
import { lintHandler } from './handlers/lint.js';
import { planHandler } from './handlers/plan.js';
import { validateSchemaHandler } from './handlers/validate-schema.js';
import { statusOf } from './grpc-status.js';
import type { PlannerDeps } from './planner-deps.js';

/** The PlannerService implementation: each method a thin handler in handlers/, failures mapped by grpc-status.ts. */
export function plannerService(deps: PlannerDeps): PlannerServiceServer {
  const { logger } = deps;
  return validatedService<PlannerServiceServer>({
    // The calls that load or replay caller text in a scratch database stop it when the call ends unanswered.
    plan: cancellableUnaryHandler('Plan', logger, planHandler(deps), statusOf),
    diff: cancellableUnaryHandler('Diff', logger, diffHandler(deps), statusOf),
    lint: unaryHandler('Lint', logger, lintHandler(), statusOf),
    introspect: unaryHandler('Introspect', logger, introspectHandler(deps), statusOf),
    validateSchema: cancellableUnaryHandler('ValidateSchema', logger, validateSchemaHandler(deps), statusOf),
  }, plannerServiceValidators());
}
