import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName, objectKey } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind } from '../change.js';
import { viewsInDependencyOrder, viewsToRebuild } from '../support/views-to-rebuild.js';

/** DROP VIEW / DROP MATERIALIZED VIEW for the views above, dependents first. */
export const dropView: ChangeKind = {
  name: 'drop-view',
  // First of the drops: what must wait for the views to be gone declares it.
  order: {},
  plan(ctx) {
    const keys = viewsToRebuild(ctx);
    return viewsInDependencyOrder(ctx.fromViews, keys)
      .reverse()
      .map((v, i): ChangeItem => {
        const ref = quoteQualified(v.schema, v.name);
        return {
          key: String(i).padStart(6, '0'),
          steps: [
            {
              sql: `DROP ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${ref}`,
              description: `Drop ${v.materialized ? 'materialized view' : 'view'} ${displayName(v)}${ctx.toViews.has(objectKey(v)) ? ' (re-created later in the plan)' : ''}`,
              transactional: true,
              lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE,
              lockTarget: ref,
            },
          ],
        };
      });
  },
};
