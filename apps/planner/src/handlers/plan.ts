import type { PlanRequest, PlanResponse } from '@fleetshift/contracts';
import { buildPlan } from '@fleetshift/schema';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { logPlan } from '../plan-log.js';
import { verifiedPlanResponse } from '../verified-plan-response.js';
import type { PlannerDeps } from '../planner-deps.js';
import { both } from '../settle.js';
import { introspectTenant } from '../tenant/tenant-catalog.js';
import { describeTarget, requireTarget } from '../tenant/tenant-target.js';

/**
 * Plan: the tenant's live catalog → the desired schema text. With tenant.schema set, one schema and a
 * schema-relative plan.
 */
export function planHandler(deps: PlannerDeps): (request: PlanRequest, signal?: AbortSignal) => Promise<PlanResponse> {
  return (request, signal) =>
    deps.metrics.observe('plan', async () => {
      const tenant = requireTarget(request.tenant, 'tenant');
      const schema = tenant.schema || undefined;
      const desired = request.schema;
      if (!desired) throw new InvalidRequestError('schema is required: the desired schema text (a SchemaSource)');
      const [to, from] = await both(
        deps.desiredSchemas.load(desired, schema, signal),
        introspectTenant(tenant, deps.tenantConnectTimeoutMs),
      );
      const states = { from, to: to.catalog, schema, extensions: to.extensions };
      const response = await verifiedPlanResponse(deps, buildPlan(from, to.catalog), states, request.allowHazards, signal);
      logPlan(deps.logger, 'plan', describeTarget(tenant), response);
      return response;
    });
}
