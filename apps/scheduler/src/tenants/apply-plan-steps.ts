import type pg from 'pg';
import type { Plan, PlanStep } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/schema';

/**
 * Runs a plan's steps on one connection, as a provisioning step (the executor runs rollouts): consecutive
 * transactional steps of the same group in one transaction, each non-transactional step alone, every
 * step with its own lock and statement timeouts; a schema-relative plan with search_path set to `schema`.
 * Returns the number of steps applied.
 */
export async function applyPlanSteps(client: pg.ClientBase, plan: Plan, schema: string): Promise<number> {
  const searchPath = plan.schemaRelative && schema ? `${quoteIdent(schema)}, public` : '';
  for (const unit of planUnits(plan.steps)) {
    if (unit.transactional) await runTransaction(client, unit.steps, searchPath);
    else await runAlone(client, unit.steps[0], searchPath);
  }
  return plan.steps.length;
}

interface Unit {
  transactional: boolean;
  steps: PlanStep[];
}

function planUnits(steps: PlanStep[]): Unit[] {
  const units: Unit[] = [];
  for (const step of steps) {
    const last = units[units.length - 1];
    if (step.transactional && last?.transactional && last.steps[0].group === step.group) last.steps.push(step);
    else units.push({ transactional: step.transactional, steps: [step] });
  }
  return units;
}

async function runTransaction(client: pg.ClientBase, steps: PlanStep[], searchPath: string): Promise<void> {
  await client.query('BEGIN');
  try {
    if (searchPath) await client.query(`SET LOCAL search_path TO ${searchPath}`);
    for (const step of steps) {
      await setTimeouts(client, step, 'LOCAL');
      await runStep(client, step);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function runAlone(client: pg.ClientBase, step: PlanStep, searchPath: string): Promise<void> {
  if (searchPath) await client.query(`SET search_path TO ${searchPath}`);
  try {
    await setTimeouts(client, step, 'SESSION');
    await runStep(client, step);
  } finally {
    await client.query('RESET search_path; RESET lock_timeout; RESET statement_timeout').catch(() => undefined);
  }
}

async function setTimeouts(client: pg.ClientBase, step: PlanStep, scope: 'LOCAL' | 'SESSION'): Promise<void> {
  const prefix = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
  await client.query(`${prefix} lock_timeout = ${Math.max(0, Math.trunc(step.lockTimeoutMs))}`);
  await client.query(`${prefix} statement_timeout = ${Math.max(0, Math.trunc(step.statementTimeoutMs))}`);
}

async function runStep(client: pg.ClientBase, step: PlanStep): Promise<void> {
  try {
    await client.query(step.sql);
  } catch (error) {
    throw new Error(`step "${step.description || step.change}" failed: ${(error as Error).message}`);
  }
}
