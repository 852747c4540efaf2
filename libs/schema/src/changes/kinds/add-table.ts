import { LockLevel } from '@fleetshift/contracts';
import type { Column, Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { columnDefinition } from '../support/column-definition.js';
import { withoutNotValid } from '../support/constraint-definition.js';
import { createIndexSql } from '../support/index-definition.js';

/**
 * A table that is new in the target: CREATE TABLE with its columns in declared order, primary/unique/check/exclusion
 * constraints inline, then its plain indexes — all inside the creating transaction. Nothing else can be
 * using the table yet, so no concurrent recipe is needed. Foreign keys come later (add-foreign-key), once
 * every table they reference exists; triggers, policies and comments in their own modules.
 */
export const addTable: ChangeKind = {
  name: 'add-table',
  order: {
    // What its columns, defaults, constraints and indexes use exists (a new enum label committed).
    after: ['create-schema', 'create-extension', 'add-enum', 'recreate-enum', 'add-sequence', 'create-function', 'add-enum-value'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    // A partition is keyed under its parent's key, so a parent (also a sub-partitioned partition) is
    // created before its partitions whatever their names.
    for (const table of ctx.newTables()) items.push({ key: partitionPath(ctx, table), steps: createTableSteps(ctx, table) });
    return items;
  },
};

/** "schema.parent/schema.partition/…": the table's key under those of its ancestors. */
function partitionPath(ctx: ChangeContext, table: Table): string {
  const parentKey = table.partitionOf ? ctx.tableByRelationName(table.partitionOf.parent) : undefined;
  const parent = parentKey === undefined ? undefined : ctx.toTables.get(parentKey);
  return parent && parent !== table ? `${partitionPath(ctx, parent)}/${objectKey(table)}` : objectKey(table);
}

/**
 * Columns in the order the desired schema declares them (Column.position), which operators expect to see
 * in `\d` and `SELECT *`; columns without a position (hand-built catalogs) keep their order, after the others.
 */
function inDeclaredOrder(columns: Column[]): Column[] {
  return [...columns].sort((a, b) => (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER));
}

function createTableSteps(ctx: ChangeContext, table: Table): StepDraft[] {
  const ref = ctx.ref(table);
  const name = displayName(table);
  const base = { transactional: true, lock: LockLevel.LOCK_LEVEL_NONE, lockTarget: ref } as const;
  const steps: StepDraft[] = [];
  const inline = table.constraints.filter((c) => !c.inherited && c.kind !== 'foreign' && c.validated);
  const elements = [
    ...(table.partitionOf ? [] : inDeclaredOrder(table.columns.filter((c) => !c.inherited)).map((c) => columnDefinition(c))),
    ...inline.map((c) => `CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`),
  ];
  let sql: string;
  if (table.partitionOf) {
    // A partition: columns come from the parent; local NOT NULL/defaults are not modelled separately.
    const body = elements.length ? ` (${elements.join(', ')})` : '';
    sql = `CREATE TABLE ${ref} PARTITION OF ${table.partitionOf.parent}${body} ${table.partitionOf.bound}`;
  } else {
    sql = `CREATE TABLE ${ref} (${elements.length ? `\n  ${elements.join(',\n  ')}\n` : ''})`;
  }
  // A sub-partitioned partition is both: PARTITION OF its parent, PARTITION BY its own key.
  if (table.partitionKey) sql += ` PARTITION BY ${table.partitionKey}`;
  steps.push({ ...base, sql, description: `Create table ${name}` });
  for (const c of table.constraints.filter((c) => !c.inherited && c.kind !== 'foreign' && !c.validated)) {
    steps.push({
      ...base,
      sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(c.name)} ${withoutNotValid(c.definition)} NOT VALID`,
      description: `Add not-validated constraint ${c.name} to new table ${name}`,
    });
  }
  for (const index of table.indexes.filter((i) => !i.constraint && !i.inherited && i.valid)) {
    steps.push({
      ...base,
      sql: createIndexSql(index.definition, index.name, { concurrently: false }),
      description: `Create index ${index.name} on new table ${name}`,
    });
  }
  return steps;
}
