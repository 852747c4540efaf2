import { LockLevel } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { displayName } from '../support/catalog-index.js';
import type { ChangeItem, ChangeKind, StepDraft } from '../change.js';

/**
 * A trigger new or changed: its pg_get_triggerdef text, as CREATE OR REPLACE TRIGGER for a changed one
 * (PostgreSQL 14+: no moment without the trigger). SHARE ROW EXCLUSIVE on the table, catalog only. After
 * the functions it calls exist and before the old ones are dropped. Enabled/disabled state follows.
 */
export const createTrigger: ChangeKind = {
  name: 'create-trigger',
  order: {
    // Its table and function exist; a changed constraint trigger was dropped first.
    after: ['add-table', 'create-function', 'drop-trigger'],
  },
  plan(ctx) {
    const items: ChangeItem[] = [];
    for (const [key, to] of ctx.toTables) {
      const from = ctx.fromTables.get(key);
      const have = new Map((from?.triggers ?? []).map((t) => [t.name, t]));
      const ref = ctx.ref(to);
      for (const t of to.triggers) {
        if (t.inherited) continue;
        const old = have.get(t.name);
        const steps: StepDraft[] = [];
        const base = { transactional: true, lock: LockLevel.LOCK_LEVEL_SHARE_ROW_EXCLUSIVE, lockTarget: ref } as const;
        const constraintTrigger = /^CREATE CONSTRAINT TRIGGER/.test(t.definition);
        if (!old || old.definition !== t.definition) {
          const replace = old && !constraintTrigger && !/^CREATE CONSTRAINT TRIGGER/.test(old.definition);
          steps.push({
            ...base,
            sql: replace ? t.definition.replace(/^CREATE TRIGGER/, 'CREATE OR REPLACE TRIGGER') : t.definition,
            description: `${replace ? 'Replace' : 'Create'} trigger ${t.name} on ${displayName(to)}`,
          });
        }
        const wasEnabled = old && old.definition === t.definition ? old.enabled : true;
        if (wasEnabled !== t.enabled) {
          steps.push({
            ...base,
            sql: `ALTER TABLE ${ref} ${t.enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${quoteIdent(t.name)}`,
            description: `${t.enabled ? 'Enable' : 'Disable'} trigger ${t.name} on ${displayName(to)}`,
          });
        }
        if (steps.length) items.push({ key: `${key}.${t.name}`, steps });
      }
    }
    return items;
  },
};
