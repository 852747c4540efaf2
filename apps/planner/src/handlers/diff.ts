import { SchemaFormat, type DiffRequest, type DiffResponse, type SchemaSource } from '@fleetshift/contracts';
import { buildPlan } from '@fleetshift/schema';
import { loadDesired, requireSource } from '../desired-schema.js';
import { logPlan } from '../plan-log.js';
import { verifiedPlanResponse } from '../verified-plan-response.js';
import type { PlannerDeps } from '../planner-deps.js';
import { both } from '../settle.js';

/** An absent from-state: an empty database. */
const emptySource: SchemaSource = { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: '', filename: '<empty database>' };

/** Diff: schema text A → schema text B, no tenant; with `schema`, one schema and a schema-relative plan. */
export function diffHandler(deps: PlannerDeps): (request: DiffRequest) => Promise<DiffResponse> {
  return (request) =>
    deps.metrics.observe('diff', async () => {
      const to = requireSource(request.to, 'to');
      const schema = request.schema || undefined;
      const [fromCatalog, toCatalog] = await both(
        loadDesired(request.from ?? emptySource, deps.scratchServerUrl, schema),
        loadDesired(to, deps.scratchServerUrl, schema),
      );
      const states = { from: fromCatalog, to: toCatalog, schema, sources: [...(request.from ? [request.from] : []), to] };
      const response = await verifiedPlanResponse(deps, buildPlan(fromCatalog, toCatalog), states, request.allowHazards);
      logPlan(deps.logger, 'diff', `${request.from?.filename || '<empty database>'} → ${to.filename || '<input>'}`, response);
      return response;
    });
}
