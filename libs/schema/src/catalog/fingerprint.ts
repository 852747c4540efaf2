import { createHash } from 'node:crypto';
import type { Catalog } from './model.js';

/**
 * Canonical JSON of a catalog: object keys sorted at every level, absent fields left out, `scope`
 * excluded (two schemas with the same content are the same state, whatever they are called), and
 * column `position` excluded (column order is not part of the state we converge to).
 * Arrays keep their order: introspection already sorted them by name.
 */
export function canonicalJson(catalog: Catalog): string {
  const { scope: _scope, ...content } = catalog;
  return canonicalValueJson(content);
}

/** Canonical JSON of any part of a catalog (a table, a column …), by the same rules as canonicalJson. */
export function canonicalValueJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Keys that record order only (Column.position): never part of the canonical form. */
const orderOnlyKeys = new Set(['position']);

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (orderOnlyKeys.has(key)) continue;
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) sorted[key] = sortKeys(field);
  }
  return sorted;
}

/** The fingerprint of a catalog state: sha256 (hex) of its canonical JSON. */
export function fingerprint(catalog: Catalog): string {
  return createHash('sha256').update(canonicalJson(catalog)).digest('hex');
}

/** True when two catalogs describe the same state (scope aside). */
export function catalogsEqual(a: Catalog, b: Catalog): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
