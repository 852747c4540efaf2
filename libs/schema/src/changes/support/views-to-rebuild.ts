import type { Index, View } from '../../catalog/model.js';
import { compareText } from '../../catalog/order.js';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeContext } from '../change.js';

/**
 * Views that the plan drops: gone from the target, changed (definition, kind, materialized indexes), or
 * over a table whose columns change type or go (PostgreSQL refuses those changes while a view uses the
 * column), or over another view dropped here. Computed once per plan, shared by drop-view, create-view and
 * comment.
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
export function viewsInDependencyOrder(views: Map<string, View>, keys: Set<string>): View[] {
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
