import type { ValidateSchemaRequest, ValidateSchemaResponse } from '@fleetshift/contracts';
import { fingerprint, summarizeCatalog } from '@fleetshift/schema';
import { loadDesired, requireSource } from '../desired-schema.js';
import type { PlannerDeps } from '../planner-deps.js';

/** ValidateSchema: parse and load a schema (before it is stored); its fingerprint and size. */
export function validateSchemaHandler(deps: PlannerDeps): (request: ValidateSchemaRequest) => Promise<ValidateSchemaResponse> {
  return async (request) => {
    const source = requireSource(request.schema, 'schema');
    const catalog = await loadDesired(source, deps.scratchServerUrl, request.schemaName || undefined);
    const { tables, indexes } = summarizeCatalog(catalog);
    return { fingerprint: fingerprint(catalog), tables, indexes };
  };
}
