import type { Catalog } from './model.js';

/** How much a catalog holds, for logs, the Introspect response and benchmarks. */
export interface CatalogSummary {
  schemas: number;
  extensions: number;
  enums: number;
  sequences: number;
  tables: number;
  columns: number;
  constraints: number;
  indexes: number;
  triggers: number;
  policies: number;
  views: number;
  functions: number;
}

export function summarizeCatalog(catalog: Catalog): CatalogSummary {
  const sum = (count: (t: Catalog['tables'][number]) => number) => catalog.tables.reduce((n, t) => n + count(t), 0);
  return {
    schemas: catalog.schemas.length,
    extensions: catalog.extensions.length,
    enums: catalog.enums.length,
    sequences: catalog.sequences.length,
    tables: catalog.tables.length,
    columns: sum((t) => t.columns.length),
    constraints: sum((t) => t.constraints.length),
    indexes: sum((t) => t.indexes.length) + catalog.views.reduce((n, v) => n + (v.indexes?.length ?? 0), 0),
    triggers: sum((t) => t.triggers.length),
    policies: sum((t) => t.policies.length),
    views: catalog.views.length,
    functions: catalog.functions.length,
  };
}
