import { Plan, PlanStep } from '@fleetshift/contracts';

const emptyStep = PlanStep.toJSON(PlanStep.create()) as Record<string, unknown>;

/**
 * The plan as JSON (the contract's canonical JSON mapping, Plan.toJSON), with every step field present —
 * also those at their default value (transactional: false, cleanupSql: "" …), so readers need no
 * knowledge of proto3 defaults.
 */
export function renderJson(plan: Plan): string {
  const json = Plan.toJSON(plan) as Record<string, unknown>;
  const steps = plan.steps.map((s) => ({
    sql: '', change: '', description: '', transactional: false, group: 0, lock: 'LOCK_LEVEL_UNSPECIFIED', lockTarget: '',
    rewritesTable: false, scansTable: false, hazards: [], lockTimeoutMs: 0, statementTimeoutMs: 0, cleanupSql: '',
    ...emptyStep,
    ...(PlanStep.toJSON(s) as Record<string, unknown>),
  }));
  return `${JSON.stringify({ fromFingerprint: '', toFingerprint: '', schemaRelative: false, hazards: [], ...json, steps }, null, 2)}\n`;
}
