import { LockLevel } from '@fleetshift/contracts';
import type { Column, Table } from '../../catalog/model.js';
import { quoteIdent, quoteLiteral } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { notNullRecipe } from '../support/not-null-recipe.js';

/**
 * Identity of an existing column changes (catalog updates, brief ACCESS EXCLUSIVE):
 * - becomes identity (e.g. serial → identity): the old default is dropped in the same statement as
 *   ADD GENERATED … AS IDENTITY, then the new identity sequence is moved past the largest existing value
 *   (setval over max(c), an index lookup for a key column), so inserts do not collide. A nullable column
 *   first goes through the NOT NULL recipe (identity requires NOT NULL). A serial's old sequence, gone
 *   from the target, is dropped later by drop-sequence.
 * - stops being identity: DROP IDENTITY (its sequence goes with it); set-default then sets any default.
 * - ALWAYS ↔ BY DEFAULT: SET GENERATED.
 */
export const alterIdentity: ChangeKind = {
  name: 'alter-identity',
  // Runs with the other column changes; set-default and drop-sequence, which follow it, declare it.
  order: {},
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const { table: to, before: old, after: column } of ctx.keptColumns()) {
      if (old.identity === column.identity) continue;
      items.push({ key: `${objectKey(to)}.${column.name}`, steps: steps(ctx, to, old, column) });
    }
    return items;
  },
};

function steps(ctx: ChangeContext, table: Table, old: Column, column: Column): StepDraft[] {
  const ref = ctx.ref(table);
  const col = quoteIdent(column.name);
  const name = `${displayName(table)}.${column.name}`;
  const base = { transactional: true, lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE, lockTarget: ref } as const;
  const kind = (c: Column) => (c.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT');
  if (!column.identity) {
    return [{ ...base, sql: `ALTER TABLE ${ref} ALTER COLUMN ${col} DROP IDENTITY`, description: `Make ${name} a plain column (drop its identity)` }];
  }
  if (old.identity) {
    return [{ ...base, sql: `ALTER TABLE ${ref} ALTER COLUMN ${col} SET GENERATED ${kind(column)}`, description: `Make identity ${name} GENERATED ${kind(column)}` }];
  }
  const out: StepDraft[] = old.notNull ? [] : notNullRecipe(ctx, table, column.name);
  const clauses = [...(old.default !== undefined ? [`ALTER COLUMN ${col} DROP DEFAULT`] : []), `ALTER COLUMN ${col} ADD GENERATED ${kind(column)} AS IDENTITY`];
  out.push(
    { ...base, sql: `ALTER TABLE ${ref} ${clauses.join(', ')}`, description: `Make ${name} an identity column` },
    {
      sql: `SELECT setval(pg_get_serial_sequence(${quoteLiteral(ref)}, ${quoteLiteral(column.name)}), max(${col})) FROM ${ref} HAVING max(${col}) IS NOT NULL`,
      description: `Move the identity sequence of ${name} past the existing values`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_ACCESS_SHARE,
      lockTarget: ref,
    },
  );
  return out;
}
