import pg from 'pg';
import { renderSqlScript } from '@fleetshift/plan-runner';
import { buildPlan, introspect, type Catalog } from '@fleetshift/schema';
import type { PlannerRun } from './planner-run.js';
import { timed } from './timing.js';


/**
 * Fleetshift's plan between two live databases, as the planner computes it for a tenant: connect,
 * introspect both (from pg_catalog, one after the other), diff into lock-safe steps, render the psql script.
 */
export async function planWithFleetshift(fromUrl: string, toUrl: string): Promise<PlannerRun> {
  const introspected = await timed(async () => [await introspectUrl(fromUrl), await introspectUrl(toUrl)] as const);
  const [from, to] = introspected.result;
  const plan = buildPlan(from, to);
  return { statements: plan.steps.length, sql: renderSqlScript(plan), introspectMs: introspected.ms };
}

async function introspectUrl(url: string): Promise<Catalog> {
  const client = new pg.Client({ connectionString: url, application_name: 'fleetshift-bench' });
  await client.connect();
  try {
    return await introspect(client);
  } finally {
    await client.end();
  }
}
