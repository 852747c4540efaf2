import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '../sql/quote.js';
import { collationRef } from './column-definition.js';
import { columnMap, displayName, objectKey } from './catalog-index.js';
import type { ChangeItem, ChangeKind } from './change.js';
import { HazardCode, hazard } from './hazards.js';
import { Phase } from './phases.js';
import { isSafeWidening } from './type-widening.js';

/**
 * A column of an existing table changes type (or collation). Most changes rewrite the table under
 * ACCESS EXCLUSIVE: TABLE_REWRITE + TYPE_CHANGE, refused unless allowed. Safe widenings
 * (varchar(n) → text or a larger n, numeric precision growing) are catalog-only in PostgreSQL and pass
 * without a hazard. When the default's text would change with the type, the old default is dropped in
 * the same statement (so the conversion cannot fail on it) and set-default sets the new one.
 */
export const alterColumnType: ChangeKind = {
  name: 'alter-column-type',
  phase: Phase.alterColumnType,
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const before = columnMap(from);
      for (const column of to.columns) {
        const old = before.get(column.name);
        if (!old || column.inherited || column.generated) continue;
        if (old.type === column.type && old.collation === column.collation) continue;
        const ref = ctx.ref(to);
        const col = quoteIdent(column.name);
        const name = `${displayName(to)}.${column.name}`;
        const safe = old.type !== column.type ? isSafeWidening(old.type, column.type) : true;
        const clauses: string[] = [];
        if (old.default !== undefined && old.default !== column.default) clauses.push(`ALTER COLUMN ${col} DROP DEFAULT`);
        const collate = column.collation ? ` COLLATE ${collationRef(column.collation)}` : '';
        const using = safe ? '' : ` USING ${col}::${column.type}`;
        clauses.push(`ALTER COLUMN ${col} TYPE ${column.type}${collate}${using}`);
        const rewrites = !safe;
        items.push({
          key: `${objectKey(to)}.${column.name}`,
          steps: [
            {
              sql: `ALTER TABLE ${ref} ${clauses.join(', ')}`,
              description: rewrites
                ? `Change type of ${name} from ${old.type} to ${column.type} (rewrites the table)`
                : `Change type of ${name} from ${old.type} to ${column.type}${collate} (no rewrite)`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
              rewritesTable: rewrites,
              long: rewrites,
              hazards: rewrites
                ? [
                    hazard(HazardCode.TABLE_REWRITE, `changing ${name} to ${column.type} rewrites ${displayName(to)} and its indexes`),
                    hazard(HazardCode.TYPE_CHANGE, `${name} changes type from ${old.type} to ${column.type}`),
                    hazard(HazardCode.ACCESS_EXCLUSIVE_LOCK, `${displayName(to)} is locked against reads and writes during the rewrite`),
                  ]
                : [],
            },
          ],
        });
      }
    }
    return items;
  },
};
