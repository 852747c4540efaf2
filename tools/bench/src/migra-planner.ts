import { run } from '@pgkit/migra';
import type { PlannerRun } from './planner-run.js';

/** What pg-promise (under @pgkit/client) prints with console.log each time migra connects again. */
const duplicateWarning = 'WARNING: Creating a duplicate database object for the same connection.';

/**
 * @pgkit/migra's diff between the same two databases (its JS API: inspect both, compute the
 * statements, render the SQL), with destructive statements allowed like `migra --unsafe`.
 */
export async function planWithMigra(fromUrl: string, toUrl: string): Promise<PlannerRun> {
  const migration = await withoutDuplicateWarning(() => run(fromUrl, toUrl, { unsafe: true }));
  return { statements: migration.statements.length, sql: migration.sql };
}

/**
 * Runs `work` with pg-promise's duplicate-connection warning filtered out of console.log: every run
 * after the first connects to the same URLs again, and the warning (with a stack) would otherwise
 * land on stdout around the result table. Every other console.log line passes through.
 */
async function withoutDuplicateWarning<T>(work: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(duplicateWarning)) return;
    log(...args);
  };
  try {
    return await work();
  } finally {
    console.log = log;
  }
}
