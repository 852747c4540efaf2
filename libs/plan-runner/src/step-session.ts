import type { PlanStep } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import type pg from 'pg';

/** The session settings a step runs under, as PostgreSQL values ('250ms'). */
export interface StepSettings {
  lockTimeout: string;
  statementTimeout: string;
}

/**
 * A step's lock_timeout and statement_timeout. A plan step with lock_timeout 0 takes the runner's
 * default: no DDL ever waits in the lock queue without a bound.
 */
export function stepSettings(step: PlanStep, defaultLockTimeoutMs: number): StepSettings {
  const lockTimeoutMs = step.lockTimeoutMs > 0 ? step.lockTimeoutMs : defaultLockTimeoutMs;
  return { lockTimeout: `${Math.max(0, Math.trunc(lockTimeoutMs))}ms`, statementTimeout: `${Math.max(0, Math.trunc(step.statementTimeoutMs))}ms` };
}

/** Sets a step's timeouts for the session in one round trip (inside a transaction they end with it). */
export async function applyStepSettings(client: pg.ClientBase, settings: StepSettings): Promise<void> {
  await client.query('SELECT set_config($1, $2, false), set_config($3, $4, false)', [
    'lock_timeout',
    settings.lockTimeout,
    'statement_timeout',
    settings.statementTimeout,
  ]);
}

/**
 * search_path for a schema-relative plan: the tenant's schema alone, the same path the planner verified
 * the plan under. An empty schema (database isolation) keeps the session's path.
 */
export async function enterTenantSchema(client: pg.ClientBase, schema: string): Promise<void> {
  if (schema) await client.query(`SET search_path TO ${quoteIdent(schema)}`);
}

/** What the runner changed on the session, undone: the connection can serve the next tenant. */
export async function resetStepSession(client: pg.ClientBase): Promise<void> {
  await client.query('RESET lock_timeout; RESET statement_timeout; RESET search_path');
}
