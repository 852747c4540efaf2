import { SchemaFormat, type Plan } from '@fleetshift/contracts';
import { buildPlan, loadDesiredSchema } from '@fleetshift/schema';
import { blueprintV1, blueprintV2 } from './fleet-blueprint.js';
import type { FleetKind } from './fleet.js';

/**
 * Fleetshift's lock-safe plan from v1 to v2, as its planner builds it (both versions normalized by
 * PostgreSQL in scratch databases, diffed by libs/schema). Schema isolation: a schema-relative plan, run
 * with search_path set to each tenant's schema (any schema name stands in while planning).
 */
export async function safePlan(kind: FleetKind, scratchServerUrl: string): Promise<Plan> {
  const schema = kind === 'schema' ? 'tenant' : undefined;
  const load = (text: string, filename: string) =>
    loadDesiredSchema({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename }, { scratchServerUrl, schema, scratchTag: 'bench' });
  return buildPlan(await load(blueprintV1, 'v1.sql'), await load(blueprintV2, 'v2.sql'));
}
