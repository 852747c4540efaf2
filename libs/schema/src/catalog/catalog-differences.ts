import { canonicalValueJson } from './fingerprint.js';
import type { Catalog, Table } from './model.js';
import { compareText } from './order.js';

/**
 * The objects two catalogs disagree on, named for people: `table public.orders: missing` (in `expected`,
 * not in `actual`), `… unexpected` (the other way), `table public.orders: column total: differs`,
 * `table public.orders: differs (rowSecurity)`. Compared as the fingerprint compares them (canonical
 * JSON), in a stable order: sections as Catalog lists them, objects by name. Empty when they are equal.
 */
export function catalogDifferences(actual: Catalog, expected: Catalog): string[] {
  const out: string[] = [];
  compareLists(out, 'schema', actual.schemas, expected.schemas, (s) => s);
  compareLists(out, 'extension', actual.extensions, expected.extensions, (e) => qualified(e.schema, e.name));
  compareLists(out, 'enum', actual.enums, expected.enums, (e) => qualified(e.schema, e.name));
  compareLists(out, 'sequence', actual.sequences, expected.sequences, (s) => qualified(s.schema, s.name));
  compareTables(out, actual.tables, expected.tables);
  compareLists(out, 'view', actual.views, expected.views, (v) => qualified(v.schema, v.name));
  compareLists(out, 'function', actual.functions, expected.functions, (f) => `${qualified(f.schema, f.name)}(${f.identityArgs})`);
  return out;
}

function qualified(schema: string, name: string): string {
  return schema ? `${schema}.${name}` : name;
}

/** JSON of one object as the fingerprint sees it (keys sorted, absent fields and positions left out). */
function same(a: unknown, b: unknown): boolean {
  return canonicalValueJson(a) === canonicalValueJson(b);
}

function compareLists<T>(out: string[], what: string, actual: readonly T[], expected: readonly T[], key: (item: T) => string, prefix = ''): void {
  const have = new Map(actual.map((item) => [key(item), item]));
  const want = new Map(expected.map((item) => [key(item), item]));
  for (const name of [...new Set([...have.keys(), ...want.keys()])].sort(compareText)) {
    const a = have.get(name);
    const b = want.get(name);
    if (a === undefined) out.push(`${prefix}${what} ${name}: missing`);
    else if (b === undefined) out.push(`${prefix}${what} ${name}: unexpected`);
    else if (!same(a, b)) out.push(`${prefix}${what} ${name}: differs`);
  }
}

/** Tables are named down to the column, constraint, index, trigger or policy that differs. */
function compareTables(out: string[], actual: readonly Table[], expected: readonly Table[]): void {
  const key = (t: Table) => qualified(t.schema, t.name);
  const have = new Map(actual.map((t) => [key(t), t]));
  const want = new Map(expected.map((t) => [key(t), t]));
  for (const name of [...new Set([...have.keys(), ...want.keys()])].sort(compareText)) {
    const a = have.get(name);
    const b = want.get(name);
    if (a === undefined) out.push(`table ${name}: missing`);
    else if (b === undefined) out.push(`table ${name}: unexpected`);
    else if (!same(a, b)) {
      const before = out.length;
      const prefix = `table ${name}: `;
      compareLists(out, 'column', a.columns, b.columns, (c) => c.name, prefix);
      compareLists(out, 'constraint', a.constraints, b.constraints, (c) => c.name, prefix);
      compareLists(out, 'index', a.indexes, b.indexes, (i) => i.name, prefix);
      compareLists(out, 'trigger', a.triggers, b.triggers, (t) => t.name, prefix);
      compareLists(out, 'policy', a.policies, b.policies, (p) => p.name, prefix);
      const { columns: _c1, constraints: _k1, indexes: _i1, triggers: _t1, policies: _p1, ...restA } = a;
      const { columns: _c2, constraints: _k2, indexes: _i2, triggers: _t2, policies: _p2, ...restB } = b;
      if (!same(restA, restB) || out.length === before) out.push(`table ${name}: differs (${tableFieldsDiffering(restA, restB).join(', ') || 'order'})`);
    }
  }
}

function tableFieldsDiffering(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k])).sort(compareText);
}
