import type { Plan, PlanStep } from '@fleetshift/contracts';
import type pg from 'pg';
import { quoteIdent } from '../sql/quote.js';

/** A plan step that failed during a replay: which one (1-based) and PostgreSQL's error. */
export class ReplayStepFailed extends Error {
  constructor(
    readonly stepNumber: number,
    readonly step: PlanStep,
    readonly error: Error,
  ) {
    super(`step ${stepNumber} [${step.change}] ${step.description}: ${error.message} (SQL: ${step.sql.replace(/\s+/g, ' ')})`, { cause: error });
  }
}

/**
 * Runs a plan's steps the way the executor does (apps/executor apply-plan.ts), without retries or
 * bookkeeping: consecutive transactional steps of one group in one transaction; a non-transactional
 * step (CONCURRENTLY, ADD VALUE, a backfill) alone in autocommit; each step under its own lock_timeout
 * and statement_timeout; a schema-relative plan with search_path = `schema`. The client must be outside a
 * transaction; on return (or failure) its search_path and timeouts are reset.
 */
export async function replayPlan(client: pg.ClientBase, plan: Plan, schema?: string): Promise<void> {
  try {
    if (plan.schemaRelative && schema) await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    let i = 0;
    while (i < plan.steps.length) {
      const first = plan.steps[i]!;
      let end = i + 1;
      if (first.transactional) while (end < plan.steps.length && plan.steps[end]!.transactional && plan.steps[end]!.group === first.group) end++;
      if (first.transactional) await client.query('BEGIN');
      try {
        for (let n = i; n < end; n++) await runStep(client, plan.steps[n]!, n + 1);
        if (first.transactional) await client.query('COMMIT');
      } catch (error) {
        if (first.transactional) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      i = end;
    }
  } finally {
    await client.query('RESET lock_timeout; RESET statement_timeout; RESET search_path').catch(() => undefined);
  }
}

async function runStep(client: pg.ClientBase, step: PlanStep, stepNumber: number): Promise<void> {
  try {
    await client.query('SELECT set_config($1, $2, false), set_config($3, $4, false)', [
      'lock_timeout',
      `${step.lockTimeoutMs}ms`,
      'statement_timeout',
      `${step.statementTimeoutMs}ms`,
    ]);
    await client.query(step.sql);
  } catch (error) {
    throw new ReplayStepFailed(stepNumber, step, error as Error);
  }
}
