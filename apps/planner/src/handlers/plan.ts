import type { PlanRequest, PlanResponse, SchemaSource } from '@fleetshift/contracts';
import { buildPlan } from '@fleetshift/schema';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { loadDesired, requireSource } from '../desired-schema.js';
import { logPlan } from '../plan-log.js';
import { verifiedPlanResponse } from '../verified-plan-response.js';
import type { PlannerDeps } from '../planner-deps.js';
import { both } from '../settle.js';
import { introspectTenant } from '../tenant/tenant-catalog.js';
import { describeTarget, requireTarget } from '../tenant/tenant-target.js';

/**
 * Plan: the tenant's live catalog → the desired schema (text, or a stored version whose own allowed
 * hazards add to the request's). With tenant.schema set, one schema and a schema-relative plan.
 */
export function planHandler(deps: PlannerDeps): (request: PlanRequest) => Promise<PlanResponse> {
  return (request) =>
    deps.metrics.observe('plan', async () => {
      const tenant = requireTarget(request.tenant, 'tenant');
      const schema = tenant.schema || undefined;
      const desired = await desiredOf(request, deps);
      const [to, from] = await both(
        loadDesired(desired.source, deps.scratchServerUrl, schema),
        introspectTenant(tenant, deps.tenantConnectTimeoutMs),
      );
      const states = { from, to, schema, sources: [desired.source] };
      const response = await verifiedPlanResponse(deps, buildPlan(from, to), states, [...request.allowHazards, ...desired.allowedHazards]);
      logPlan(deps.logger, 'plan', describeTarget(tenant), response);
      return response;
    });
}

async function desiredOf(request: PlanRequest, deps: PlannerDeps): Promise<{ source: SchemaSource; allowedHazards: string[] }> {
  if (request.schema) return { source: requireSource(request.schema, 'schema'), allowedHazards: [] };
  if (request.version) {
    if (!request.version.blueprint) throw new InvalidRequestError('version.blueprint is required');
    return deps.schemaVersions.resolve(request.version);
  }
  throw new InvalidRequestError('desired is required: set schema (the schema text) or version (a stored schema version)');
}
