import Table from 'cli-table3';
import { RolloutState, type Rollout } from '@fleetshift/contracts';

export interface TableOptions {
  /** No colours (default: when stdout is not a terminal), so the text pipes and greps cleanly. */
  plain?: boolean;
}

function style(options: TableOptions) {
  const plain = options.plain ?? !process.stdout.isTTY;
  return plain ? { head: [], border: [] } : {};
}

/** A table with a header row and one row per item. */
export function renderTable(head: string[], rows: string[][], options: TableOptions = {}): string {
  const table = new Table({ head, style: style(options) });
  table.push(...rows);
  return table.toString();
}

/** A two-column table: a title row, then one `[key, value]` row each (an object or a summary). */
export function renderKeyValues(title: [string, string], rows: Array<[string, string]>, options: TableOptions = {}): string {
  const table = new Table({ head: title, style: style(options) });
  table.push(...rows);
  return table.toString();
}

/** The name of a rollout state without its prefix: SUCCEEDED, RUNNING … */
export function rolloutStateName(state: RolloutState): string {
  return (RolloutState[state] ?? String(state)).replace('ROLLOUT_STATE_', '');
}

/** What happened to a rollout's tenants: the rows every rollout summary starts with. */
export function rolloutSummaryRows(rollout: Rollout): Array<[string, string]> {
  const counts = rollout.counts;
  const rows: Array<[string, string]> = [
    ['state', rolloutStateName(rollout.state)],
    ['blueprint', `${rollout.blueprint} v${rollout.version}`],
    ['tenants', String(counts?.total ?? 0)],
    ['succeeded', String(counts?.succeeded ?? 0)],
    ['failed', String(counts?.failed ?? 0)],
    ['skipped', String(counts?.skipped ?? 0)],
    ['cancelled', String(counts?.cancelled ?? 0)],
    ['distinct plans', String(rollout.plans)],
    // Each one a DDL that gave up its place in a lock queue rather than block the application.
    ['lock retries', String(rollout.lockRetries)],
  ];
  if (rollout.haltReason) rows.push(['halt reason', rollout.haltReason]);
  return rows;
}
