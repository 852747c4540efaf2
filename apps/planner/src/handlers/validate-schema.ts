import type { ValidateSchemaRequest, ValidateSchemaResponse } from '@fleetshift/contracts';
import { fingerprint, summarizeCatalog } from '@fleetshift/schema';
import { requireSource } from '../desired-schema.js';
import type { PlannerDeps } from '../planner-deps.js';

/** ValidateSchema: parse and load a schema (before it is stored); its fingerprint and size. */
export function validateSchemaHandler(deps: PlannerDeps): (request: ValidateSchemaRequest, signal?: AbortSignal) => Promise<ValidateSchemaResponse> {
  return async (request, signal) => {
    const source = requireSource(request.schema, 'schema');
    // Loaded through the cache: the scheduler's Diff and Plan calls of a rollout of this schema find it there.
    const { catalog } = await deps.desiredSchemas.load(source, request.schemaName || undefined, signal);
    const { tables, indexes } = summarizeCatalog(catalog);
    return { fingerprint: fingerprint(catalog), tables, indexes };
  };
}
