import { LockLevel } from '@fleetshift/contracts';
import type { Column, Table } from '../../catalog/model.js';
import { planDefaults } from '../../plan/defaults.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { columnMap, displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeContext, ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { columnDefinition } from '../support/column-definition.js';
import { isVolatileDefault } from '../support/default-volatility.js';
import { HazardCode, hazard } from '../support/hazards.js';
import { notNullRecipe } from '../support/not-null-recipe.js';

/**
 * A column new on an existing table.
 * - No default, or a non-volatile one: plain ADD COLUMN (PostgreSQL 11+ stores a constant default as the
 *   "missing" value: no rewrite, ACCESS EXCLUSIVE for a catalog update only). NOT NULL with a constant
 *   default needs no scan either.
 * - NOT NULL without a default: added nullable, then the NOT NULL recipe (fails cleanly if rows exist).
 * - Volatile default (random(), gen_random_uuid(), nextval() …): ADD COLUMN would rewrite the table. The
 *   column is added nullable, its default set at once (new rows get it), existing rows are backfilled in
 *   small batches, each its own transaction (BACKFILL), then NOT NULL via the recipe if wanted. Setting
 *   the default before the backfill (not after) leaves no window where new rows get NULL.
 * - Identity or generated (stored) columns: PostgreSQL fills every row — TABLE_REWRITE under ACCESS
 *   EXCLUSIVE, refused unless allowed.
 */
export const addColumn: ChangeKind = {
  name: 'add-column',
  order: {
    // What its type and default use exists (a new enum label committed).
    after: ['create-extension', 'add-enum', 'recreate-enum', 'add-sequence', 'create-function', 'add-enum-value'],
  },
  stages: {
    // The batched backfill runs outside a transaction: after the transaction that drops and re-creates
    // views, so it never splits it.
    backfill: { after: ['create-view'] },
    // NOT NULL via the recipe, once the backfill filled the rows (its VALIDATE runs in a transaction of its
    // own: after the views' transaction too).
    'not-null': { after: ['add-column:backfill', 'create-view'] },
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      if (to.partitionOf) continue;
      const existing = columnMap(from);
      for (const column of to.columns) {
        if (existing.has(column.name) || column.inherited) continue;
        items.push({ key: `${objectKey(to)}.${column.name}`, steps: addColumnSteps(ctx, to, column) });
      }
    }
    return items;
  },
};

function addColumnSteps(ctx: ChangeContext, table: Table, column: Column): StepDraft[] {
  const ref = ctx.ref(table);
  const name = `${displayName(table)}.${column.name}`;
  const alter = { transactional: true, lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE, lockTarget: ref } as const;
  if (column.identity || column.generated) {
    return [
      {
        ...alter,
        sql: `ALTER TABLE ${ref} ADD COLUMN ${columnDefinition(column)}`,
        description: `Add ${column.identity ? 'identity' : 'generated'} column ${name} (rewrites the table)`,
        rewritesTable: true,
        long: true,
        hazards: [
          hazard(HazardCode.TABLE_REWRITE, `adding ${column.identity ? 'identity' : 'generated'} column ${name} rewrites ${displayName(table)}`),
          hazard(HazardCode.ACCESS_EXCLUSIVE_LOCK, `${displayName(table)} is locked against reads and writes during the rewrite`),
        ],
      },
    ];
  }
  const volatile = column.default !== undefined && isVolatileDefault(column.default);
  const needsRecipe = column.notNull && (volatile || column.default === undefined);
  const steps: StepDraft[] = [
    {
      ...alter,
      sql: `ALTER TABLE ${ref} ADD COLUMN ${columnDefinition(column, { omitDefault: volatile, omitNotNull: needsRecipe })}`,
      description: `Add column ${name}`,
    },
  ];
  if (volatile) {
    const col = quoteIdent(column.name);
    steps.push(
      {
        ...alter,
        sql: `ALTER TABLE ${ref} ALTER COLUMN ${col} SET DEFAULT ${column.default}`,
        description: `Set the default of new column ${name} (new rows get it from now on)`,
      },
      {
        sql: backfillSql(ref, col),
        description: `Backfill ${name} for existing rows, ${planDefaults.backfillBatchRows} rows per transaction`,
        transactional: false,
        lock: LockLevel.LOCK_LEVEL_ROW_EXCLUSIVE,
        lockTarget: ref,
        scansTable: true,
        long: true,
        stage: 'backfill',
        hazards: [hazard(HazardCode.BACKFILL, `existing rows of ${displayName(table)} are updated in batches to fill ${column.name}`)],
      },
    );
  }
  if (needsRecipe) steps.push(...notNullRecipe(ctx, table, column.name, 'not-null'));
  return steps;
}

/**
 * A DO block that updates NULL rows in batches and commits after each batch (allowed in a DO block run
 * outside a transaction, PostgreSQL 11+), so no long transaction holds row locks or bloats.
 */
function backfillSql(ref: string, col: string): string {
  return [
    'DO $fleetshift_backfill$',
    'DECLARE updated bigint;',
    'BEGIN',
    '  LOOP',
    `    UPDATE ${ref} SET ${col} = DEFAULT`,
    `     WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${ref} WHERE ${col} IS NULL LIMIT ${planDefaults.backfillBatchRows}));`,
    '    GET DIAGNOSTICS updated = ROW_COUNT;',
    `    EXIT WHEN updated < ${planDefaults.backfillBatchRows};`,
    '    COMMIT;',
    '  END LOOP;',
    'END',
    '$fleetshift_backfill$',
  ].join('\n');
}
