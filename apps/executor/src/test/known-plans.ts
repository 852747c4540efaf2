import { Plan } from '@fleetshift/contracts';
import { planIdOf } from '@fleetshift/bus';

/**
 * Plans of tests that call runTenant directly (no bus): planRef gives a plan its id, as the scheduler
 * does, and knownPlans is what runBatch would have fetched for it.
 */
export const knownPlans = new Map<string, Plan>();

export function planRef(plan: Plan): string {
  const id = planIdOf(Plan.encode(plan).finish());
  knownPlans.set(id, plan);
  return id;
}
