import { LockLevel, type Hazard } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { collationRef } from '../support/column-definition.js';
import { columnMap, displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';
import { isSafeWidening } from '../support/type-widening.js';

/**
 * A column of an existing table changes type (or collation). Most changes rewrite the table under
 * ACCESS EXCLUSIVE: TABLE_REWRITE + TYPE_CHANGE, refused unless allowed. Safe widenings
 * (varchar(n) → text or a larger n, numeric precision growing) are catalog-only in PostgreSQL and pass
 * without a hazard. When the default's text would change with the type, the old default is dropped in
 * the same statement (so the conversion cannot fail on it) and set-default sets the new one. All column
 * changes of a table go in one statement, so the table is rewritten at most once.
 */
export const alterColumnType: ChangeKind = {
  name: 'alter-column-type',
  order: {
    // PostgreSQL refuses to retype a column a view, policy or constraint uses: those are dropped first. The
    // new type (and a function or label its conversion uses) exists.
    after: ['drop-view', 'drop-policy', 'drop-constraint', 'create-extension', 'add-enum', 'create-function', 'add-enum-value'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const before = columnMap(from);
      const clauses: string[] = [];
      const changes: string[] = [];
      const hazards: Hazard[] = [];
      for (const column of to.columns) {
        const old = before.get(column.name);
        if (!old || column.inherited || column.generated) continue;
        if (old.type === column.type && old.collation === column.collation) continue;
        const col = quoteIdent(column.name);
        const name = `${displayName(to)}.${column.name}`;
        const safe = old.type !== column.type ? isSafeWidening(old.type, column.type) : true;
        if (old.default !== undefined && old.default !== column.default) clauses.push(`ALTER COLUMN ${col} DROP DEFAULT`);
        const collate = column.collation ? ` COLLATE ${collationRef(column.collation)}` : '';
        clauses.push(`ALTER COLUMN ${col} TYPE ${column.type}${collate}${safe ? '' : ` USING ${col}::${column.type}`}`);
        changes.push(`${column.name} ${old.type} → ${column.type}${collate}${safe ? '' : ' (rewrite)'}`);
        if (!safe) {
          hazards.push(
            hazard(HazardCode.TABLE_REWRITE, `changing ${name} to ${column.type} rewrites ${displayName(to)} and its indexes`),
            hazard(HazardCode.TYPE_CHANGE, `${name} changes type from ${old.type} to ${column.type}`),
            hazard(HazardCode.ACCESS_EXCLUSIVE_LOCK, `${displayName(to)} is locked against reads and writes during the rewrite`),
          );
        }
      }
      if (!clauses.length) continue;
      const ref = ctx.ref(to);
      const rewrites = hazards.length > 0;
      items.push({
        key: objectKey(to),
        steps: [
          {
            // One statement per table: PostgreSQL rewrites the table (at most) once for all its columns.
            sql: `ALTER TABLE ${ref} ${clauses.join(', ')}`,
            description: `Change column types of ${displayName(to)}: ${changes.join('; ')}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
            lockTarget: ref,
            rewritesTable: rewrites,
            long: rewrites,
            hazards,
          },
        ],
      });
    }
    return items;
  },
};
