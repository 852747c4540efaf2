import type { Plan, PlanResponse } from '@fleetshift/contracts';
import { refusedHazards } from '@fleetshift/schema';

/**
 * A plan as PlanResponse/DiffResponse carry it: the plan when every hazard it needs is allowed,
 * otherwise no plan and the refused hazards (nothing may be applied).
 */
export function planResponse(plan: Plan, allow: string[]): PlanResponse {
  const refused = refusedHazards(plan, allow);
  return refused.length > 0 ? { plan: undefined, refusedHazards: refused } : { plan, refusedHazards: [] };
}
