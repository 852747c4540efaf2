import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { columnMap, displayName, objectKey } from '../support/catalog-index.js';
import type { Column, Table } from '../../catalog/model.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

/**
 * A column gone from an existing table: DROP COLUMN is a catalog update (no rewrite; the space is
 * reclaimed by later updates), but the data is lost — DELETES_DATA. Views over the table were dropped
 * before and are re-created after; indexes and constraints on the column go with it.
 */
export const dropColumn: ChangeKind = {
  name: 'drop-column',
  order: {
    // Views, triggers, policies and constraints using the column go first (PostgreSQL refuses otherwise).
    after: ['drop-view', 'drop-trigger', 'drop-policy', 'drop-constraint'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [from, to] of ctx.keptTables()) {
      const target = columnMap(to);
      for (const column of from.columns) {
        if (target.has(column.name) || column.inherited) continue;
        const ref = ctx.ref(to);
        items.push({
          key: `${objectKey(to)}.${column.name}`,
          steps: [
            {
              sql: `ALTER TABLE ${ref} DROP COLUMN ${quoteIdent(column.name)}`,
              description: `Drop column ${displayName(to)}.${column.name}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
              hazards: [hazard(HazardCode.DELETES_DATA, droppedColumnMessage(ref, displayName(to), column, renameCandidates(from, to, column)))],
            },
          ],
        });
      }
    }
    return items;
  },
};

/** Columns new in `to` with the type of the dropped one: what a rename would look like (renames read as drop + add). */
function renameCandidates(from: Table, to: Table, dropped: Column): Column[] {
  const before = columnMap(from);
  return to.columns.filter((c) => !before.has(c.name) && !c.inherited && c.type === dropped.type);
}

/**
 * What the refusal tells an operator: what is lost, and the ways forward — allow the hazard in the
 * version; keep the values by keeping the column until they are copied (expand/contract); and, when a
 * column of the same type is added, that it may be a rename, with the statement that would keep the data.
 */
function droppedColumnMessage(ref: string, table: string, column: Column, candidates: Column[]): string {
  const parts = [
    `column ${table}.${column.name} and its values are dropped.`,
    'To accept that, allow DELETES_DATA for this version (its allowed hazards, or --allow DELETES_DATA).',
    `To keep the values, keep ${column.name} in the desired schema until they are copied, and drop it in a later version.`,
  ];
  if (candidates.length > 0) {
    const newName = candidates.length === 1 ? quoteIdent(candidates[0]!.name) : '<new name>';
    parts.push(
      `If it was renamed to ${candidates.map((c) => c.name).join(' or ')}: renames are not detected (a rename reads as drop + add);` +
        ` rename it on the tenants first (ALTER TABLE ${ref} RENAME COLUMN ${quoteIdent(column.name)} TO ${newName}) and this plan no longer drops it.`,
    );
  }
  return parts.join(' ');
}
