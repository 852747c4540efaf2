import { LockLevel } from '@fleetshift/contracts';
import type { Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName, objectKey } from './catalog-index.js';
import type { ChangeContext, StepDraft } from '../change.js';
import { notNullCheckPrefix } from './constraint-definition.js';
import { tempName } from './temp-names.js';
import { validateStep } from './validate-step.js';

/**
 * NOT NULL on a column of an existing table without a scan under ACCESS EXCLUSIVE (set-not-null,
 * add-column, alter-identity use it; `stage`: the stage of the calling kind the steps run in):
 *   1. ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID   — ACCESS EXCLUSIVE for a catalog update only;
 *   2. VALIDATE CONSTRAINT, in a transaction of its own    — SHARE UPDATE EXCLUSIVE: reads and writes go on;
 *   3. SET NOT NULL                                         — PostgreSQL 12+ sees the validated check and
 *                                                             skips the scan (metadata only);
 *   4. DROP the helper check (same transaction as 3).
 */
export function notNullRecipe(ctx: ChangeContext, table: Table, column: string, stage?: string): StepDraft[] {
  const ref = ctx.ref(table);
  const checkName = tempName(notNullCheckPrefix, objectKey(table), column);
  const check = quoteIdent(checkName);
  const col = quoteIdent(column);
  const name = `${displayName(table)}.${column}`;
  const at = stage === undefined ? {} : { stage };
  return [
    {
      sql: `ALTER TABLE ${ref} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID`,
      description: `Add NOT VALID check that ${name} is not null`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
      lockTarget: ref,
      ...at,
    },
    {
      ...validateStep(ctx, table, { name: checkName }),
      description: `Validate the not-null check of ${name} (reads the table; writes continue)`,
      ...at,
    },
    {
      sql: `ALTER TABLE ${ref} ALTER COLUMN ${col} SET NOT NULL`,
      description: `Set ${name} NOT NULL (the validated check spares the scan)`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
      lockTarget: ref,
      ...at,
    },
    {
      sql: `ALTER TABLE ${ref} DROP CONSTRAINT ${check}`,
      description: `Drop the helper check of ${name}`,
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
      lockTarget: ref,
      ...at,
    },
  ];
}
