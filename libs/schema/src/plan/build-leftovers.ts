import type { PlanStep } from '@fleetshift/contracts';
import type { Catalog, Index } from '../catalog/model.js';
import { concurrentBuildCleanupSql } from '../changes/support/index-builds.js';

export interface WithoutBuildLeftovers {
  /** The catalog without those leftovers. */
  catalog: Catalog;
  /** The leftovers left out, as "schema.name" ("name" in schema scope). */
  leftovers: string[];
}

/**
 * `catalog` without the INVALID indexes that one of `steps` drops in its cleanup_sql before building it
 * again: the leftovers of an interrupted CREATE INDEX CONCURRENTLY of those very steps (a cancelled or
 * killed build leaves its index behind, INVALID). Only an exact match of the planner's cleanup text
 * counts, so a leftover is recognised only where the step that is about to run will drop it; any other
 * INVALID index stays in the catalog (and in its fingerprint).
 */
export function withoutBuildLeftovers(catalog: Catalog, steps: readonly PlanStep[]): WithoutBuildLeftovers {
  const cleanups = new Set(steps.filter((s) => !s.transactional && s.cleanupSql).map((s) => s.cleanupSql));
  const leftovers: string[] = [];
  const keep = (schema: string) => (index: Index) => {
    if (index.valid || !cleanups.has(concurrentBuildCleanupSql(schema, index.name))) return true;
    leftovers.push(schema ? `${schema}.${index.name}` : index.name);
    return false;
  };
  const without: Catalog = {
    ...catalog,
    tables: catalog.tables.map((t) => ({ ...t, indexes: t.indexes.filter(keep(t.schema)) })),
    views: catalog.views.map((v) => (v.indexes ? { ...v, indexes: v.indexes.filter(keep(v.schema)) } : v)),
  };
  return { catalog: leftovers.length > 0 ? without : catalog, leftovers };
}
