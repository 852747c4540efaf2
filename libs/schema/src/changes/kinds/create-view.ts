import { LockLevel } from '@fleetshift/contracts';
import { quoteQualified } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { createIndexSql } from '../support/index-definition.js';
import { viewsInDependencyOrder, viewsToRebuild } from '../support/views-to-rebuild.js';

/**
 * CREATE VIEW / CREATE MATERIALIZED VIEW (with its indexes) for views new or rebuilt, dependencies first.
 * Everything from the first view drop to the last re-creation is transactional and runs in one
 * transaction, so the application never sees a view missing.
 */
export const createView: ChangeKind = {
  name: 'create-view',
  order: {
    // What the view reads exists in its target shape; a dropped relation or type may have had its name.
    // Everything from the first drop-view to here is one transaction: a non-transactional or isolated step
    // runs after it (those kinds declare it).
    after: [
      'drop-view', 'create-schema', 'create-extension', 'add-enum', 'recreate-enum', 'add-enum-value', 'add-table', 'add-column',
      'alter-column-type', 'drop-generated-expression', 'create-function:late', 'drop-table', 'drop-sequence', 'drop-enum',
    ],
  },
  plan(ctx) {
    const rebuilt = viewsToRebuild(ctx);
    const keys = new Set([...ctx.toViews.keys()].filter((k) => !ctx.fromViews.has(k) || rebuilt.has(k)));
    return viewsInDependencyOrder(ctx.toViews, keys).map((v, i): ChangeItem => {
      const ref = quoteQualified(v.schema, v.name);
      const body = v.definition.trim().replace(/;\s*$/, '');
      const steps: StepDraft[] = [
        {
          sql: `CREATE ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${ref} AS\n${body}`,
          description: `Create ${v.materialized ? 'materialized view' : 'view'} ${displayName(v)}`,
          transactional: true,
          lock: LockLevel.LOCK_LEVEL_NONE,
          lockTarget: ref,
          scansTable: v.materialized,
        },
      ];
      for (const index of v.indexes ?? []) {
        steps.push({
          sql: createIndexSql(index.definition, index.name, { concurrently: false }),
          description: `Create index ${index.name} on new materialized view ${displayName(v)}`,
          transactional: true,
          lock: LockLevel.LOCK_LEVEL_NONE,
          lockTarget: ref,
        });
      }
      return { key: String(i).padStart(6, '0'), steps };
    });
  },
};
