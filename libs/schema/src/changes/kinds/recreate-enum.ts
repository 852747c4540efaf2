import { LockLevel } from '@fleetshift/contracts';
import type { EnumType } from '../../catalog/model.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '@fleetshift/sql-quote';
import { columnMap, displayName } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';
import { tempName } from '../support/temp-names.js';

/**
 * An enum whose labels are removed or reordered (PostgreSQL can only add labels): the type is renamed
 * aside, created anew, every existing column of the type converted through text (a rewrite under ACCESS
 * EXCLUSIVE: TYPE_CHANGE + TABLE_REWRITE), and the old type dropped — all in one transaction, so a row
 * holding a removed label fails the conversion and leaves the tenant unchanged. Views over those columns
 * are rebuilt around it (see ../support/views-to-rebuild.ts). Runs before new tables are created, so they use the new type.
 */
export const recreateEnum: ChangeKind = {
  name: 'recreate-enum',
  order: {
    // Views over its columns, and constraints comparing its labels, are dropped first (re-created later).
    after: ['drop-view', 'drop-constraint'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toEnums) {
      if (ctx.recreatedEnums.has(key)) items.push({ key, steps: steps(ctx, to) });
    }
    return items;
  },
};

function steps(ctx: ChangeContext, e: EnumType): StepDraft[] {
  const ref = quoteQualified(e.schema, e.name);
  const aside = tempName('fs_old', e.schema, e.name);
  const base = { transactional: true, lock: LockLevel.LOCK_LEVEL_NONE, lockTarget: ref } as const;
  const out: StepDraft[] = [
    { ...base, sql: `ALTER TYPE ${ref} RENAME TO ${quoteIdent(aside)}`, description: `Rename enum ${displayName(e)} aside to rebuild it` },
    { ...base, sql: `CREATE TYPE ${ref} AS ENUM (${e.values.map(quoteLiteral).join(', ')})`, description: `Create enum ${displayName(e)} with its new labels` },
  ];
  for (const [from, to] of ctx.keptTables()) {
    const before = columnMap(from);
    const clauses: string[] = [];
    const names: string[] = [];
    for (const column of to.columns) {
      const old = before.get(column.name);
      if (!old || column.inherited || old.type !== column.type || !ctx.isRecreatedEnumType(column.type)) continue;
      const col = quoteIdent(column.name);
      if (old.default !== undefined) clauses.push(`ALTER COLUMN ${col} DROP DEFAULT`);
      clauses.push(`ALTER COLUMN ${col} TYPE ${column.type} USING ${col}::text${column.type.endsWith('[]') ? '[]' : ''}::${column.type}`);
      if (column.default !== undefined) clauses.push(`ALTER COLUMN ${col} SET DEFAULT ${column.default}`);
      names.push(column.name);
    }
    if (!clauses.length) continue;
    const tref = ctx.ref(to);
    const name = `${displayName(to)} (${names.join(', ')})`;
    out.push({
      // One statement per table: one rewrite for all its columns of the type.
      sql: `ALTER TABLE ${tref} ${clauses.join(', ')}`,
      description: `Convert ${name} to the rebuilt enum ${displayName(e)} (rewrites the table)`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
      lockTarget: tref,
      rewritesTable: true,
      long: true,
      hazards: [
        hazard(HazardCode.TYPE_CHANGE, `${name} move to enum ${displayName(e)} with labels ${e.values.join(', ')}`),
        hazard(HazardCode.TABLE_REWRITE, `converting ${name} rewrites ${displayName(to)}`),
        hazard(HazardCode.ACCESS_EXCLUSIVE_LOCK, `${displayName(to)} is locked against reads and writes during the rewrite`),
      ],
    });
  }
  out.push({ ...base, sql: `DROP TYPE ${quoteQualified(e.schema, aside)}`, description: `Drop the old enum ${displayName(e)}` });
  return out;
}
