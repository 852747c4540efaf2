import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
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
    for (const [key, f] of ctx.toFunctions) {
      const old = ctx.fromFunctions.get(key);
      if (old && old.definition === f.definition) continue;
      const at = called(f.name) ? {} : { stage: 'late' };
      const ref = quoteQualified(f.schema, f.name);
      items.push({
        key,
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
  return (name) => new RegExp(`(^|[^A-Za-z0-9_$])"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*\\(`).test(all);
}
