import { lockLevelToJSON, type Plan, type PlanStep } from '@fleetshift/contracts';
import { planUnits } from './plan-units.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { stepSettings } from './step-session.js';

/**
 * The plan as a psql script, grouped and timed as runPlan runs it (the same units, the same settings):
 * `psql -v ON_ERROR_STOP=1 -f plan.sql` applies it as it stands. Each step sets its own lock_timeout and
 * statement_timeout; each transactional group is wrapped in BEGIN/COMMIT (SET LOCAL); non-transactional
 * steps (CONCURRENTLY …) run on their own in autocommit. An empty plan prints only comments. Unlike
 * runPlan it does not retry a lost lock race: psql stops at the first error.
 *
 * With `schema`, a schema-relative plan sets search_path to it before its first statement, as runPlan
 * does; without it, the script expects the caller to run it with that search_path.
 */
export function renderSqlScript(plan: Plan, options: { schema?: string } = {}): string {
  const out: string[] = [
    '-- Fleetshift plan',
    `-- from: ${plan.fromFingerprint || '(unknown)'}`,
    `-- to:   ${plan.toFingerprint || '(unknown)'}`,
  ];
  const searchPath = plan.schemaRelative && options.schema && plan.steps.length > 0 ? options.schema : '';
  if (plan.schemaRelative) out.push('-- schema-relative: run with search_path set to the tenant schema');
  if (plan.steps.length === 0) {
    out.push('-- nothing to do: the schema is already at the target');
    return `${out.join('\n')}\n`;
  }
  out.push(`-- ${plan.steps.length} step(s); hazards: ${plan.hazards.map((h) => h.code).join(', ') || 'none'}`);
  if (searchPath) out.push('', `-- --schema ${searchPath}: unqualified names resolve in that schema`, `SET search_path = ${quoteIdent(searchPath)};`);
  let n = 0;
  for (const unit of planUnits(plan.steps)) {
    const first = unit.steps[0]!;
    out.push('');
    if (unit.transactional) {
      out.push(`-- group ${first.group}: one transaction`, 'BEGIN;');
      for (const step of unit.steps) out.push(...stepLines(step, ++n, plan.steps.length, 'SET LOCAL'));
      out.push('COMMIT;');
    } else {
      out.push(`-- group ${first.group}: outside a transaction`);
      out.push(...stepLines(first, ++n, plan.steps.length, 'SET'));
    }
  }
  out.push('', 'RESET lock_timeout;', 'RESET statement_timeout;');
  if (searchPath) out.push('RESET search_path;');
  return `${out.join('\n')}\n`;
}

function stepLines(step: PlanStep, n: number, total: number, set: 'SET' | 'SET LOCAL'): string[] {
  const lines = [`-- step ${n}/${total} [${step.change}] ${oneLine(step.description)}`];
  const flags = [step.rewritesTable ? 'rewrites table' : '', step.scansTable ? 'scans table' : ''].filter(Boolean);
  lines.push(`--   lock: ${lockLevelToJSON(step.lock).replace('LOCK_LEVEL_', '')} on ${oneLine(step.lockTarget)}${flags.length ? `; ${flags.join(', ')}` : ''}`);
  for (const h of step.hazards) lines.push(`--   hazard ${h.code}: ${oneLine(h.message)}`);
  if (step.cleanupSql) lines.push(`--   before a retry: ${oneLine(step.cleanupSql)};`);
  const settings = stepSettings(step, 0);
  lines.push(`${set} lock_timeout = '${settings.lockTimeout}';`);
  lines.push(`${set} statement_timeout = '${settings.statementTimeout}';`);
  lines.push(`${step.sql};`);
  return lines;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
