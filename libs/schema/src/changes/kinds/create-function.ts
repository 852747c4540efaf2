import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import type { FunctionDef } from '../../catalog/model.js';
import { displayName } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind } from '../change.js';
import { functionMustBeDropped } from '../support/function-replacement.js';

/**
 * A function new or changed: its definition is pg_get_functiondef's CREATE OR REPLACE statement, run as
 * is. A changed signature is another function (a new one is created, the old one dropped by
 * drop-function). CREATE OR REPLACE cannot change the result type or parameter names: such a function is
 * dropped first, in the same transaction. When it runs:
 * - before the tables when a column default, generated column, constraint, index, trigger or policy of the
 *   target calls it (those need it to exist);
 * - otherwise after every table and column exists (stage late), so a LANGUAGE sql body that reads
 *   tables created by this plan passes PostgreSQL's check_function_bodies; views, created later, may use it.
 * A function a LANGUAGE sql body calls is created before it (also across schemas), and early when its
 * caller is; callers are found by name in the definitions (see callGraph).
 */
export const createFunction: ChangeKind = {
  name: 'create-function',
  order: {
    // Types of its signature exist; a same-named function it replaces was dropped first.
    after: ['create-schema', 'create-extension', 'add-enum', 'drop-function'],
  },
  stages: {
    // A function no table expression calls: created once tables and columns have their target shape, so a
    // LANGUAGE sql body reading them passes check_function_bodies (views, created later, may call it). Row
    // security: not a PostgreSQL dependency; it keeps these after the whole table section, as always.
    late: { after: ['add-table', 'add-column', 'alter-column-type', 'row-security'] },
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    const called = calledByTables(ctx);
    const changed = [...ctx.toFunctions].filter(([key, f]) => ctx.fromFunctions.get(key)?.definition !== f.definition);
    const calls = callGraph(changed);
    // A function a table expression calls is created early, and so is every function it calls.
    const early = new Set<string>();
    const markEarly = (key: string) => {
      if (early.has(key)) return;
      early.add(key);
      for (const callee of calls.get(key) ?? []) markEarly(callee);
    };
    for (const [key, f] of changed) if (called(f.name)) markEarly(key);
    const depth = callDepths(calls);
    for (const [key, f] of changed) {
      const old = ctx.fromFunctions.get(key);
      const at = early.has(key) ? {} : { stage: 'late' };
      const ref = quoteQualified(f.schema, f.name);
      items.push({
        // Callees first: a LANGUAGE sql body is checked against the functions it calls when it is created.
        key: `${String(depth.get(key) ?? 0).padStart(4, '0')}:${key}`,
        steps: [
          ...(old && functionMustBeDropped(old, f)
            ? [
                {
                  ...at,
                  sql: `DROP FUNCTION ${ref}(${f.identityArgs})`,
                  description: `Drop function ${displayName(f)}(${f.identityArgs}): its result type or parameter names change`,
                  transactional: true,
                  lock: LockLevel.LOCK_LEVEL_NONE,
                  lockTarget: ref,
                },
              ]
            : []),
          {
            ...at,
            sql: f.definition.trim().replace(/;\s*$/, ''),
            description: `${old ? 'Replace' : 'Create'} function ${displayName(f)}(${f.identityArgs})`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_NONE,
            lockTarget: quoteQualified(f.schema, f.name),
          },
        ],
      });
    }
    return items;
  },
};

/**
 * Which of `functions` each one calls: another's name followed by `(` in its definition (its body; the
 * header names itself only). Text, not a parse: a name in a string or comment counts too, which can only
 * move a function earlier among those the plan creates.
 */
function callGraph(functions: Array<[string, FunctionDef]>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [key, f] of functions) {
    const body = f.definition.slice(f.definition.indexOf('(') + 1);
    graph.set(
      key,
      functions.filter(([other, g]) => other !== key && callPattern(g.name).test(body)).map(([other]) => other),
    );
  }
  return graph;
}

/** 0 for a function calling none of the others, else 1 + its deepest callee's (a cycle counts once). */
function callDepths(calls: Map<string, string[]>): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (key: string, path: Set<string>): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (path.has(key)) return 0;
    path.add(key);
    const d = Math.max(-1, ...(calls.get(key) ?? []).map((c) => visit(c, path))) + 1;
    path.delete(key);
    depth.set(key, d);
    return d;
  };
  for (const key of calls.keys()) visit(key, new Set());
  return depth;
}

function callPattern(name: string): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_$])"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*\\(`);
}

/** Whether a function name is called (`name(`) by any table-level expression of the target. */
function calledByTables(ctx: ChangeContext): (name: string) => boolean {
  const texts: string[] = [];
  for (const t of ctx.toTables.values()) {
    for (const c of t.columns) texts.push(c.default ?? '', c.generated ?? '');
    for (const c of t.constraints) texts.push(c.definition);
    for (const i of t.indexes) texts.push(i.definition);
    for (const tr of t.triggers) texts.push(tr.definition);
    for (const p of t.policies) texts.push(p.using ?? '', p.withCheck ?? '');
  }
  const all = texts.join('\n');
  return (name) => callPattern(name).test(all);
}
