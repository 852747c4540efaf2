/**
 * The one ordering of catalog arrays: by UTF-16 code units, never by locale or database collation,
 * so the same catalog sorts the same on every machine and its fingerprint is stable.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts in place by the given keys, compared in order. */
export function sortByKeys<T>(items: T[], ...keys: Array<(item: T) => string>): T[] {
  return items.sort((x, y) => {
    for (const key of keys) {
      const order = compareText(key(x), key(y));
      if (order !== 0) return order;
    }
    return 0;
  });
}

/** Sorts objects that have a name. */
export function sortByName<T extends { name: string }>(items: T[]): T[] {
  return sortByKeys(items, (item) => item.name);
}
