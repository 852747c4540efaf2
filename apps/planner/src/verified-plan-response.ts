import type { Plan, PlanResponse } from '@fleetshift/contracts';
import { verifyPlan, type Catalog } from '@fleetshift/schema';
import { planResponse } from './plan-response.js';
import type { PlannerDeps } from './planner-deps.js';

/**
 * planResponse, after proving the plan it answers (unless FLEETSHIFT_VERIFY_PLANS=false): a plan that
 * leaves the planner is replayed on a scratch copy of `from` and must reach `to` (verifyPlan). A plan
 * refused for its hazards leaves nothing to verify; an empty plan between equal fingerprints converges
 * by definition. A plan that does not converge throws PlanDidNotConvergeError (answered INTERNAL).
 */
export async function verifiedPlanResponse(
  deps: Pick<PlannerDeps, 'verifyPlans' | 'scratchServerUrl'>,
  from: Catalog,
  plan: Plan,
  to: Catalog,
  allow: string[],
  schema: string | undefined,
): Promise<PlanResponse> {
  const response = planResponse(plan, allow);
  const trivial = plan.steps.length === 0 && plan.fromFingerprint === plan.toFingerprint;
  if (deps.verifyPlans && response.plan && !trivial) {
    await verifyPlan(from, plan, to, { scratchServerUrl: deps.scratchServerUrl, schema, scratchTag: 'planner' });
  }
  return response;
}
