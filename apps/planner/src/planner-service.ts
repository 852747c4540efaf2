import type { PlannerServiceServer } from '@fleetshift/contracts';
import { diffHandler } from './handlers/diff.js';
import { introspectHandler } from './handlers/introspect.js';
import { lintHandler } from './handlers/lint.js';
import { planHandler } from './handlers/plan.js';
import { validateSchemaHandler } from './handlers/validate-schema.js';
import type { PlannerDeps } from './planner-deps.js';
import { unaryHandler } from './unary-handler.js';

/** The PlannerService implementation: each method a thin handler in handlers/. */
export function plannerService(deps: PlannerDeps): PlannerServiceServer {
  const { logger } = deps;
  return {
    plan: unaryHandler('Plan', logger, planHandler(deps)),
    diff: unaryHandler('Diff', logger, diffHandler(deps)),
    lint: unaryHandler('Lint', logger, lintHandler()),
    introspect: unaryHandler('Introspect', logger, introspectHandler(deps)),
    validateSchema: unaryHandler('ValidateSchema', logger, validateSchemaHandler(deps)),
  };
}
