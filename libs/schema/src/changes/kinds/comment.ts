import { LockLevel } from '@fleetshift/contracts';
import type { Index, Table } from '../../catalog/model.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '@fleetshift/sql-quote';
import { displayName, functionKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind } from '../change.js';
import { constraintMustBeDropped } from '../support/constraint-definition.js';
import { foreignKeysToRebuild } from '../support/foreign-key-dependencies.js';
import { functionMustBeDropped } from '../support/function-replacement.js';
import { indexRenames } from '../support/index-pairs.js';
import { viewsToRebuild } from '../support/views-to-rebuild.js';

/**
 * COMMENT ON … for every object whose comment differs from what it will have after the earlier steps (an
 * object created or re-created by this plan starts without one). A catalog update; last in the plan.
 */
export const comments: ChangeKind = {
  name: 'comment',
  order: {
    // Every object commented on exists, under its final name.
    after: [
      'add-enum', 'recreate-enum', 'add-sequence', 'create-function', 'create-function:late', 'add-table', 'add-column', 'create-view',
      'add-index', 'rename-index', 'add-unique-constraint', 'add-exclusion-constraint', 'add-check-constraint', 'add-foreign-key',
    ],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    const add = (key: string, target: string, lockTarget: string, before: string | undefined, after: string | undefined, what: string) => {
      if (before === after) return;
      items.push({
        key,
        steps: [
          {
            sql: `COMMENT ON ${target} IS ${after === undefined ? 'NULL' : quoteLiteral(after)}`,
            description: `${after === undefined ? 'Remove the comment of' : 'Comment'} ${what}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
            lockTarget,
          },
        ],
      });
    };
    const rebuiltForeignKeys = foreignKeysToRebuild(ctx);
    for (const [key, to] of ctx.toTables) {
      const from = ctx.fromTables.get(key);
      const ref = ctx.ref(to);
      add(`t:${key}`, `TABLE ${ref}`, ref, from?.comment, to.comment, `table ${displayName(to)}`);
      const cols = new Map((from?.columns ?? []).map((c) => [c.name, c]));
      for (const c of to.columns) {
        if (c.inherited) continue;
        add(`t:${key}.c:${c.name}`, `COLUMN ${ref}.${quoteIdent(c.name)}`, ref, cols.get(c.name)?.comment, c.comment, `column ${displayName(to)}.${c.name}`);
      }
      const cons = new Map((from?.constraints ?? []).map((c) => [c.name, c]));
      for (const c of to.constraints) {
        if (c.inherited) continue;
        const old = cons.get(c.name);
        const kept = old && !constraintMustBeDropped(old, c) && !rebuiltForeignKeys.has(`${key}.${c.name}`);
        const before = kept ? old.comment : undefined;
        add(`t:${key}.k:${c.name}`, `CONSTRAINT ${quoteIdent(c.name)} ON ${ref}`, ref, before, c.comment, `constraint ${c.name} on ${displayName(to)}`);
      }
      const before = indexCommentsBefore(ctx, from, to);
      for (const i of to.indexes) {
        if (i.inherited) continue;
        add(`t:${key}.i:${i.name}`, `INDEX ${quoteQualified(to.schema, i.name)}`, ref, before.get(i.name), i.comment, `index ${i.name}`);
      }
    }
    const rebuilt = viewsToRebuild(ctx);
    for (const [key, v] of ctx.toViews) {
      const from = rebuilt.has(key) ? undefined : ctx.fromViews.get(key);
      const ref = quoteQualified(v.schema, v.name);
      add(`v:${key}`, `${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${ref}`, ref, from?.comment, v.comment, `view ${displayName(v)}`);
      const old = new Map((from?.indexes ?? []).map((i) => [i.name, i]));
      for (const i of v.indexes ?? []) {
        add(`v:${key}.i:${i.name}`, `INDEX ${quoteQualified(v.schema, i.name)}`, ref, old.get(i.name)?.comment, i.comment, `index ${i.name}`);
      }
    }
    for (const [key, e] of ctx.toEnums) {
      const ref = quoteQualified(e.schema, e.name);
      const before = ctx.recreatedEnums.has(key) ? undefined : ctx.fromEnums.get(key)?.comment;
      add(`e:${key}`, `TYPE ${ref}`, ref, before, e.comment, `type ${displayName(e)}`);
    }
    for (const [key, s] of ctx.toSequences) {
      const ref = quoteQualified(s.schema, s.name);
      add(`s:${key}`, `SEQUENCE ${ref}`, ref, ctx.fromSequences.get(key)?.comment, s.comment, `sequence ${displayName(s)}`);
    }
    for (const [key, f] of ctx.toFunctions) {
      const ref = quoteQualified(f.schema, f.name);
      const old = ctx.fromFunctions.get(key);
      const before = old && !functionMustBeDropped(old, f) ? old.comment : undefined;
      add(`f:${functionKey(f)}`, `FUNCTION ${ref}(${f.identityArgs})`, ref, before, f.comment, `function ${displayName(f)}`);
    }
    return items;
  },
};

/** The comment each target index has before this step runs (renames keep it; rebuilds lose it). */
function indexCommentsBefore(_ctx: ChangeContext, from: Table | undefined, to: Table): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (!from) return out;
  const old = new Map(from.indexes.map((i) => [i.name, i]));
  const oldCons = new Map(from.constraints.map((c) => [c.name, c]));
  const newCons = new Map(to.constraints.map((c) => [c.name, c]));
  for (const i of to.indexes) {
    const prev: Index | undefined = old.get(i.name);
    if (!prev || !prev.valid || prev.definition !== i.definition) continue;
    if (prev.constraint) {
      const oc = oldCons.get(prev.constraint);
      if (!i.constraint || !oc || constraintMustBeDropped(oc, newCons.get(i.constraint))) continue;
    } // a plain index adopted by USING INDEX keeps its comment
    out.set(i.name, prev.comment);
  }
  for (const pair of indexRenames(from, to)) out.set(pair.to.name, pair.from.comment);
  return out;
}
