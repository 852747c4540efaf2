import { describe, expect, it } from 'vitest';
import { catalogDifferences } from './catalog-differences.js';
import type { Catalog, Table } from './model.js';

const table = (name: string, extra: Partial<Table> = {}): Table => ({
  schema: 'public', name, columns: [{ name: 'id', type: 'integer', notNull: true }], constraints: [], indexes: [], triggers: [], policies: [],
  rowSecurity: false, forceRowSecurity: false, ...extra,
});
const catalog = (tables: Table[], extra: Partial<Catalog> = {}): Catalog => ({
  scope: '', schemas: ['public'], extensions: [], enums: [], sequences: [], tables, views: [], functions: [], ...extra,
});

describe('catalogDifferences', () => {
  it('is empty for equal catalogs, whatever their scope', () => {
    expect(catalogDifferences(catalog([table('a')]), { ...catalog([table('a')]), scope: 'x' })).toEqual([]);
  });

  it('names missing and unexpected objects, in section and name order', () => {
    const actual = catalog([table('b'), table('c')], { enums: [{ schema: 'public', name: 'mood', values: ['ok'] }] });
    const expected = catalog([table('a'), table('b')], { functions: [{ schema: 'public', name: 'f', identityArgs: 'integer', definition: 'x' }] });
    expect(catalogDifferences(actual, expected)).toEqual([
      'enum public.mood: unexpected',
      'table public.a: missing',
      'table public.c: unexpected',
      'function public.f(integer): missing',
    ]);
  });

  it('names the column, index or table property that differs inside a table', () => {
    const actual = table('t', { columns: [{ name: 'id', type: 'bigint', notNull: true }], rowSecurity: true });
    const expected = table('t', { indexes: [{ name: 't_idx', definition: 'CREATE INDEX {{name}} ON public.t USING btree (id)', unique: false, valid: true }] });
    expect(catalogDifferences(catalog([actual]), catalog([expected]))).toEqual([
      'table public.t: column id: differs',
      'table public.t: index t_idx: missing',
      'table public.t: differs (rowSecurity)',
    ]);
  });
});
