import { lockLevelToJSON, type Plan, type PlanStep } from '@fleetshift/contracts';

/**
 * The plan as a psql script: `psql -v ON_ERROR_STOP=1 -f plan.sql` applies it as it stands. Each step
 * sets its own lock_timeout and statement_timeout; each transactional group is wrapped in BEGIN/COMMIT
 * (SET LOCAL); non-transactional steps (CONCURRENTLY …) run on their own in autocommit. Nothing in it needs
 * a wrapping transaction. An empty plan prints only comments.
 */
export function renderSqlScript(plan: Plan): string {
  const out: string[] = [
    '-- Fleetshift plan',
    `-- from: ${plan.fromFingerprint || '(unknown)'}`,
    `-- to:   ${plan.toFingerprint || '(unknown)'}`,
  ];
  if (plan.schemaRelative) out.push('-- schema-relative: run with search_path set to the tenant schema');
  if (plan.steps.length === 0) {
    out.push('-- nothing to do: the schema is already at the target');
    return `${out.join('\n')}\n`;
  }
  out.push(`-- ${plan.steps.length} step(s); hazards: ${plan.hazards.map((h) => h.code).join(', ') || 'none'}`);
  let i = 0;
  while (i < plan.steps.length) {
    const first = plan.steps[i]!;
    let end = i + 1;
    if (first.transactional) while (end < plan.steps.length && plan.steps[end]!.group === first.group && plan.steps[end]!.transactional) end++;
    const group = plan.steps.slice(i, end);
    out.push('');
    if (first.transactional) {
      out.push(`-- group ${first.group}: one transaction`, 'BEGIN;');
      group.forEach((step, j) => out.push(...stepLines(step, i + j + 1, plan.steps.length, 'SET LOCAL')));
      out.push('COMMIT;');
    } else {
      out.push(`-- group ${first.group}: outside a transaction`);
      out.push(...stepLines(first, i + 1, plan.steps.length, 'SET'));
    }
    i = end;
  }
  out.push('', 'RESET lock_timeout;', 'RESET statement_timeout;');
  return `${out.join('\n')}\n`;
}

function stepLines(step: PlanStep, n: number, total: number, set: 'SET' | 'SET LOCAL'): string[] {
  const lines = [`-- step ${n}/${total} [${step.change}] ${oneLine(step.description)}`];
  const flags = [step.rewritesTable ? 'rewrites table' : '', step.scansTable ? 'scans table' : ''].filter(Boolean);
  lines.push(`--   lock: ${lockLevelToJSON(step.lock).replace('LOCK_LEVEL_', '')} on ${oneLine(step.lockTarget)}${flags.length ? `; ${flags.join(', ')}` : ''}`);
  for (const h of step.hazards) lines.push(`--   hazard ${h.code}: ${oneLine(h.message)}`);
  if (step.cleanupSql) lines.push(`--   before a retry: ${oneLine(step.cleanupSql)};`);
  lines.push(`${set} lock_timeout = '${step.lockTimeoutMs}ms';`);
  lines.push(`${set} statement_timeout = '${step.statementTimeoutMs}ms';`);
  lines.push(`${step.sql};`);
  return lines;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
