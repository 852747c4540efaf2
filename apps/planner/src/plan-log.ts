import type { Logger } from 'pino';
import type { PlanResponse } from '@fleetshift/contracts';

/**
 * One log line per answered plan: where it was for (a tenant as host:port/database, or "diff"), how many
 * steps, which hazards it carries or was refused for, and its fingerprints. Never a password.
 */
export function logPlan(logger: Logger, rpc: 'plan' | 'diff', target: string, response: PlanResponse): void {
  const { plan, refusedHazards } = response;
  logger.info(
    {
      rpc,
      target,
      steps: plan?.steps.length ?? 0,
      hazards: plan?.hazards.map((h) => h.code) ?? [],
      refused: refusedHazards.map((h) => h.code),
      fromFingerprint: plan?.fromFingerprint,
      toFingerprint: plan?.toFingerprint,
    },
    refusedHazards.length > 0 ? 'plan refused for hazards' : 'planned',
  );
}
