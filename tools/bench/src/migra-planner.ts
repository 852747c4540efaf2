import { run } from '@pgkit/migra';
import type { PlannerRun } from './planner-run.js';

let runNumber = 0;

/**
 * @pgkit/migra's diff between the same two databases (its JS API: inspect both, compute the
 * statements, render the SQL), with destructive statements allowed like `migra --unsafe`.
 * Each run gets its own application_name, so pg-promise (under @pgkit/client) does not warn about a
 * "duplicate database object for the same connection" on stdout, in the middle of the table.
 */
export async function planWithMigra(fromUrl: string, toUrl: string): Promise<PlannerRun> {
  runNumber += 1;
  const migration = await run(tagged(fromUrl, runNumber), tagged(toUrl, runNumber), { unsafe: true });
  const sql = migration.sql;
  return { statements: migration.statements.length, sql };
}

function tagged(url: string, n: number): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', `fleetshift-bench-migra-${n}`);
  return parsed.toString();
}
