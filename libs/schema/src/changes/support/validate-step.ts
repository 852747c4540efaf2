import { LockLevel } from '@fleetshift/contracts';
import type { Constraint, Table } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName } from './catalog-index.js';
import type { ChangeContext, StepDraft } from '../change.js';

/**
 * VALIDATE CONSTRAINT alone in its transaction (isolated: its scan must not extend an earlier strong
 * lock): SHARE UPDATE EXCLUSIVE, reads and writes continue.
 */
export function validateStep(ctx: ChangeContext, table: Table, constraint: Pick<Constraint, 'name'>): StepDraft {
  const ref = ctx.ref(table);
  return {
    sql: `ALTER TABLE ${ref} VALIDATE CONSTRAINT ${quoteIdent(constraint.name)}`,
    description: `Validate constraint ${constraint.name} on ${displayName(table)} (reads the table; writes continue)`,
    transactional: true,
    isolated: true,
    lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
    lockTarget: ref,
    scansTable: true,
    long: true,
  };
}
