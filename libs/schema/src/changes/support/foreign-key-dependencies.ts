import type { Constraint } from '../../catalog/model.js';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeContext } from '../change.js';
import { constraintMustBeDropped } from './constraint-definition.js';

/**
 * Foreign keys that stay in the target but must be dropped and added again because the primary key or
 * unique constraint they reference is dropped (or re-created) by this plan: PostgreSQL refuses to drop a
 * key that a foreign key depends on. Keys are "tableKey.constraintName" of the referencing table.
 */
export function foreignKeysToRebuild(ctx: ChangeContext): Set<string> {
  const cached = cache.get(ctx);
  if (cached) return cached;
  const droppedKeys: Array<{ table: string; columns: string }> = [];
  for (const [from, to] of ctx.keptTables()) {
    const target = new Map(to.constraints.map((c) => [c.name, c]));
    for (const c of from.constraints) {
      if ((c.kind === 'primary' || c.kind === 'unique') && constraintMustBeDropped(c, target.get(c.name))) {
        droppedKeys.push({ table: displayName(from), columns: c.columns.join(', ') });
      }
    }
  }
  const out = new Set<string>();
  if (droppedKeys.length) {
    for (const [from, to] of ctx.keptTables()) {
      const target = new Map(to.constraints.map((c) => [c.name, c]));
      for (const c of from.constraints) {
        if (c.kind !== 'foreign' || c.inherited || !target.has(c.name)) continue;
        const ref = referencedColumns(c);
        if (droppedKeys.some((k) => k.table === (c.references ?? '').replaceAll('"', '') && k.columns === ref)) {
          out.add(`${objectKey(from)}.${c.name}`);
        }
      }
    }
  }
  cache.set(ctx, out);
  return out;
}
const cache = new WeakMap<ChangeContext, Set<string>>();

/** "FOREIGN KEY (a) REFERENCES public.t(x, y) …" → "x, y". */
function referencedColumns(c: Constraint): string {
  return /REFERENCES\s+.+?\(([^)]*)\)/.exec(c.definition)?.[1]?.replaceAll('"', '').trim() ?? '';
}
