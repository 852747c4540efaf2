import { LockLevel } from '@fleetshift/contracts';
import type { Index, View } from '../catalog/model.js';
import { compareText } from '../catalog/order.js';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from './change.js';
import { createIndexSql } from './index-definition.js';
import { Phase } from './phases.js';

/**
 * Views that the plan drops: gone from the target, changed (definition, kind, materialized indexes), or
 * over a table whose columns change type or go (PostgreSQL refuses those changes while a view uses the
 * column), or over another view dropped here. Computed once per plan, shared by drop-view, create-view and
 * comments.
 */
export function viewsToRebuild(ctx: ChangeContext): Set<string> {
  const cached = rebuildCache.get(ctx);
  if (cached) return cached;
  const out = new Set<string>();
  const viewByName = new Map([...ctx.fromViews.values()].map((v) => [displayName(v), v]));
  for (const [key, v] of ctx.fromViews) {
    const to = ctx.toViews.get(key);
    if (!to || to.definition !== v.definition || to.materialized !== v.materialized || !sameIndexes(v.indexes, to.indexes)) out.add(key);
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, v] of ctx.fromViews) {
      if (out.has(key)) continue;
      const affected = v.dependsOn.some((dep) => {
        const view = viewByName.get(dep);
        if (view) return out.has(objectKey(view));
        const table = ctx.tableByRelationName(dep);
        return table !== undefined && (ctx.isDroppedTable(table) || ctx.tableColumnsReshaped(table));
      });
      if (affected) {
        out.add(key);
        grew = true;
      }
    }
  }
  rebuildCache.set(ctx, out);
  return out;
}
const rebuildCache = new WeakMap<ChangeContext, Set<string>>();

function sameIndexes(a: Index[] | undefined, b: Index[] | undefined): boolean {
  const text = (list: Index[] | undefined) => (list ?? []).map((i) => `${i.name}\u0000${i.definition}`).sort().join('\n');
  return text(a) === text(b);
}

/** Views in dependency order (a view after the views it reads from); ties by key. */
function ordered(views: Map<string, View>, keys: Set<string>): View[] {
  const byName = new Map([...views.values()].map((v) => [displayName(v), v]));
  const done = new Set<string>();
  const out: View[] = [];
  const visit = (v: View) => {
    const key = objectKey(v);
    if (done.has(key)) return;
    done.add(key);
    for (const dep of [...v.dependsOn].sort(compareText)) {
      const inner = byName.get(dep);
      if (inner && keys.has(objectKey(inner))) visit(inner);
    }
    out.push(v);
  };
  for (const key of [...keys].sort(compareText)) visit(views.get(key)!);
  return out;
}

/** DROP VIEW / DROP MATERIALIZED VIEW for the views above, dependents first. */
export const dropView: ChangeKind = {
  name: 'drop-view',
  phase: Phase.dropView,
  plan(ctx) {
    const keys = viewsToRebuild(ctx);
    return ordered(ctx.fromViews, keys)
      .reverse()
      .map((v, i): ChangeItem => {
        const ref = quoteQualified(v.schema, v.name);
        return {
          key: String(i).padStart(6, '0'),
          steps: [
            {
              sql: `DROP ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${ref}`,
              description: `Drop ${v.materialized ? 'materialized view' : 'view'} ${displayName(v)}${ctx.toViews.has(objectKey(v)) ? ' (re-created later in the plan)' : ''}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
            },
          ],
        };
      });
  },
};

/**
 * CREATE VIEW / CREATE MATERIALIZED VIEW (with its indexes) for views new or rebuilt, dependencies first.
 * Everything from the first view drop to the last re-creation is transactional and runs in one
 * transaction, so the application never sees a view missing.
 */
export const createView: ChangeKind = {
  name: 'create-view',
  phase: Phase.createView,
  plan(ctx) {
    const rebuilt = viewsToRebuild(ctx);
    const keys = new Set([...ctx.toViews.keys()].filter((k) => !ctx.fromViews.has(k) || rebuilt.has(k)));
    return ordered(ctx.toViews, keys).map((v, i): ChangeItem => {
      const ref = quoteQualified(v.schema, v.name);
      const body = v.definition.trim().replace(/;\s*$/, '');
      const steps: StepDraft[] = [
        {
          sql: `CREATE ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${ref} AS\n${body}`,
          description: `Create ${v.materialized ? 'materialized view' : 'view'} ${displayName(v)}`,
          transactional: true,
          lock: LockLevel.LOCK_LEVEL_NONE,
          lockTarget: ref,
          scansTable: v.materialized,
        },
      ];
      for (const index of v.indexes ?? []) {
        steps.push({
          sql: createIndexSql(index.definition, index.name, { concurrently: false }),
          description: `Create index ${index.name} on new materialized view ${displayName(v)}`,
          transactional: true,
          lock: LockLevel.LOCK_LEVEL_NONE,
          lockTarget: ref,
        });
      }
      return { key: String(i).padStart(6, '0'), steps };
    });
  },
};
