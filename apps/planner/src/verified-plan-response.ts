import type { Plan, PlanResponse } from '@fleetshift/contracts';
import { verifyPlan, type Catalog } from '@fleetshift/schema';
import { planResponse } from './plan-response.js';
import type { PlannerDeps } from './planner-deps.js';

/** What a plan is verified against: its two states, the schema scope, and the extensions of the texts they came from. */
export interface PlanStates {
  from: Catalog;
  to: Catalog;
  schema: string | undefined;
  /** The CREATE EXTENSION statements of the schema texts loaded for the plan: in schema scope they prepare the copy. */
  extensions: readonly string[];
}

/**
 * planResponse, after proving the plan it answers (unless FLEETSHIFT_VERIFY_PLANS=false): a plan that
 * leaves the planner is replayed on a scratch copy of `from` and must reach `to` (verifyPlan). A plan
 * refused for its hazards leaves nothing to verify; an empty plan between equal fingerprints converges
 * by definition. A plan that does not converge throws PlanDidNotConvergeError (answered INTERNAL).
 */
export async function verifiedPlanResponse(
  deps: Pick<PlannerDeps, 'verifyPlans' | 'scratchServerUrl' | 'sandbox'>,
  plan: Plan,
  states: PlanStates,
  allow: string[],
  signal?: AbortSignal,
): Promise<PlanResponse> {
  const response = planResponse(plan, allow);
  const trivial = plan.steps.length === 0 && plan.fromFingerprint === plan.toFingerprint;
  if (deps.verifyPlans && response.plan && !trivial) {
    // Schema scope: extensions the texts install in a shared schema (… SCHEMA public) are outside both catalogs.
    const prelude = states.schema ? states.extensions : [];
    // In the sandbox: the from-state's DDL comes from a tenant and the steps from the desired text.
    await verifyPlan(states.from, plan, states.to, {
      scratchServerUrl: deps.scratchServerUrl,
      schema: states.schema,
      scratchTag: 'planner',
      prelude,
      sandbox: deps.sandbox,
      signal,
    });
  }
  return response;
}
