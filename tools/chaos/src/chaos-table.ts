import Table from 'cli-table3';
import type { RunReport } from './chaos-run.js';
import { invariantNames } from './invariants.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** One line per fault: `12.3s sigkill executor-2 (1.5s down)`. */
export function describeFaults(report: RunReport): string {
  if (report.faults.length === 0) return '(none: the rollout ended first)';
  return report.faults
    .map((f) => `${seconds(f.atMs)} ${f.kind} ${f.target}${f.durationMs ? ` (${seconds(f.durationMs)})` : ''}${f.detail ? ` [${f.detail}]` : ''}`)
    .join('\n');
}

/** The table of runs: seed, faults injected (with times from CreateRollout), outcome, each invariant. */
export function renderChaosTable(reports: RunReport[], style: 'terminal' | 'markdown' = 'terminal'): string {
  const head = ['run', 'seed', 'faults injected (s after CreateRollout)', 'rollout', ...invariantNames];
  const rows = reports.map((r) => [
    String(r.index),
    String(r.seed),
    describeFaults(r) + (r.unplannedExits.length ? `\nunplanned exits: ${r.unplannedExits.join(', ')}` : ''),
    r.error
      ? `ERROR: ${r.error}`
      : `${r.rolloutState} in ${r.rolloutSeconds.toFixed(0)} s\n${r.succeeded} ok, ${r.failed} failed${Object.keys(r.failureReasons).length ? ` (${Object.entries(r.failureReasons).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    ...invariantNames.map((name) => {
      const result = r.invariants.find((i) => i.name === name);
      if (!result) return '–';
      return result.ok ? 'ok' : `FAIL: ${result.violations[0]}`;
    }),
  ]);
  if (style === 'markdown') {
    const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
    return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
  }
  const table = new Table({ head, wordWrap: true, colWidths: [5, 12, 46, 24, 14, 14, 14, 14], style: { head: [], border: [] } });
  table.push(...rows);
  return table.toString();
}

/** Totals under the table: runs passed, faults by kind. */
export function renderChaosSummary(reports: RunReport[]): string {
  const passed = reports.filter((r) => r.ok).length;
  const byKind = new Map<string, number>();
  for (const fault of reports.flatMap((r) => r.faults)) byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ');
  return `${passed}/${reports.length} runs passed every invariant; faults injected: ${kinds || 'none'}`;
}
