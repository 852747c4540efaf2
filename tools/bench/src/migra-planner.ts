import { run } from '@pgkit/migra';
import type { PlannerRun } from './planner-run.js';

/**
 * @pgkit/migra's diff between the same two databases (its JS API: inspect both, compute the
 * statements, render the SQL), with destructive statements allowed like `migra --unsafe`.
 */
export async function planWithMigra(fromUrl: string, toUrl: string): Promise<PlannerRun> {
  const migration = await run(fromUrl, toUrl, { unsafe: true });
  const sql = migration.sql;
  return { statements: migration.statements.length, sql };
}
