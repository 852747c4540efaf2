import { SchemaFormat, type DiffRequest, type DiffResponse, type SchemaSource } from '@fleetshift/contracts';
import { buildPlan } from '@fleetshift/schema';
import { requireSource } from '../desired-schema.js';
import { logPlan } from '../plan-log.js';
import { verifiedPlanResponse } from '../verified-plan-response.js';
import type { PlannerDeps } from '../planner-deps.js';
import { both } from '../settle.js';

/** An absent from-state: an empty database. */
const emptySource: SchemaSource = { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: '', filename: '<empty database>' };

/** Diff: schema text A → schema text B, no tenant; with `schema`, one schema and a schema-relative plan. */
export function diffHandler(deps: PlannerDeps): (request: DiffRequest, signal?: AbortSignal) => Promise<DiffResponse> {
  return (request, signal) =>
    deps.metrics.observe('diff', async () => {
      const to = requireSource(request.to, 'to');
      const schema = request.schema || undefined;
      // Through the cache: the same text (from = to included) is loaded once.
      const [from, desired] = await both(
        deps.desiredSchemas.load(request.from ?? emptySource, schema, signal),
        deps.desiredSchemas.load(to, schema, signal),
      );
      const states = { from: from.catalog, to: desired.catalog, schema, extensions: [...from.extensions, ...desired.extensions] };
      const response = await verifiedPlanResponse(deps, buildPlan(from.catalog, desired.catalog), states, request.allowHazards, signal);
      logPlan(deps.logger, 'diff', `${request.from?.filename || '<empty database>'} → ${to.filename || '<input>'}`, response);
      return response;
    });
}
