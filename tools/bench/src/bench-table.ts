import Table from 'cli-table3';

/** A benchmark result table as text (cli-table3), right-aligned numbers. */
export function renderTable(head: string[], rows: Array<Array<string | number>>): string {
  const table = new Table({ head, colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')), style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
