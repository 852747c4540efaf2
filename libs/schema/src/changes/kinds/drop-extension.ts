import { LockLevel } from '@fleetshift/contracts';
import type { Extension } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

const key = (e: Extension) => e.name;

/** An extension gone from the target: DROP EXTENSION (its objects go with it): EXTENSION_CHANGE. */
export const dropExtension: ChangeKind = {
  name: 'drop-extension',
  order: {
    // Columns and functions using its types go first.
    after: ['drop-table', 'drop-column', 'alter-column-type', 'drop-function:after-dependents'],
  },
  plan(ctx) {
    const want = new Set(ctx.to.extensions.map(key));
    return [...ctx.from.extensions]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .filter((e) => !want.has(key(e)))
      .map((e): ChangeItem => ({
        key: e.name,
        steps: [
          {
            sql: `DROP EXTENSION ${quoteIdent(e.name)}`,
            description: `Drop extension ${e.name}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_NONE,
            lockTarget: quoteIdent(e.name),
            hazards: [hazard(HazardCode.EXTENSION_CHANGE, `extension ${e.name} and its objects are dropped`)],
          },
        ],
      }));
  },
};
