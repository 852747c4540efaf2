import type { Index, Table } from '../../catalog/model.js';
import { compareText } from '../../catalog/order.js';

/** Plain indexes of a table (not backing a constraint, not a partition's inherited child). */
export function plainIndexes(table: Table): Index[] {
  return table.indexes.filter((i) => !i.constraint && !i.inherited);
}

/**
 * Renames between two versions of a table: an index gone by name and one new by name with the same
 * definition (the name is a placeholder in it) are the same index renamed. Pairs are matched in name
 * order so the outcome is deterministic.
 */
export function indexRenames(from: Table, to: Table): Array<{ from: Index; to: Index }> {
  const toNames = new Set(to.indexes.map((i) => i.name));
  const fromNames = new Set(from.indexes.map((i) => i.name));
  const gone = plainIndexes(from)
    .filter((i) => i.valid && !toNames.has(i.name))
    .sort((a, b) => compareText(a.name, b.name));
  const added = plainIndexes(to)
    .filter((i) => !fromNames.has(i.name))
    .sort((a, b) => compareText(a.name, b.name));
  const pairs: Array<{ from: Index; to: Index }> = [];
  const used = new Set<string>();
  for (const target of added) {
    const source = gone.find((g) => !used.has(g.name) && g.definition === target.definition);
    if (source) {
      used.add(source.name);
      pairs.push({ from: source, to: target });
    }
  }
  return pairs;
}
