import type { PlanStep } from '@fleetshift/contracts';

/**
 * A unit of execution: consecutive transactional steps of the same group (one transaction), or one
 * non-transactional step alone. A failure leaves the tenant at the state before the unit.
 */
export interface PlanUnit {
  transactional: boolean;
  steps: PlanStep[];
}

export function planUnits(steps: PlanStep[]): PlanUnit[] {
  const units: PlanUnit[] = [];
  for (const step of steps) {
    const last = units.at(-1);
    if (step.transactional && last?.transactional && last.steps[0]!.group === step.group) {
      last.steps.push(step);
    } else {
      units.push({ transactional: step.transactional, steps: [step] });
    }
  }
  return units;
}
