import { Option } from 'commander';
import { renderKeyValues, renderTable } from '@fleetshift/console';

export type OutputFormat = 'table' | 'json';

/** `--format table|json` (default table), for every command that prints a list or an object. */
export function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A list: a table with one row per item, or a JSON array (each item as its proto JSON). */
export function printList<T>(format: OutputFormat, items: T[], toJson: (item: T) => unknown, head: string[], row: (item: T) => string[]): void {
  if (format === 'json') print(JSON.stringify(items.map(toJson), null, 2));
  else if (items.length === 0) print('(none)');
  else print(renderTable(head, items.map(row)));
}

/** One object: a two-column table, or its proto JSON. */
export function printObject(format: OutputFormat, json: unknown, title: [string, string], rows: Array<[string, string]>): void {
  if (format === 'json') print(JSON.stringify(json, null, 2));
  else print(renderKeyValues(title, rows));
}

/** A timestamp as ISO text, or "-". */
export function when(date: Date | undefined): string {
  return date ? date.toISOString() : '-';
}

/** Labels as `k=v,k=v` (sorted), or "-". */
export function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** An enum value's name without its prefix (`ISOLATION_DATABASE` → `DATABASE`). */
export function enumName(names: Record<number, string>, value: number, prefix: string): string {
  return (names[value] ?? String(value)).replace(prefix, '');
}
