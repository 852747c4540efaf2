import { LockLevel } from '@fleetshift/contracts';
import type { Extension } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

const key = (e: Extension) => e.name;

/** An extension new in the target (or moved to another schema): EXTENSION_CHANGE. */
export const createExtension: ChangeKind = {
  name: 'create-extension',
  order: {
    // Installed into its schema.
    after: ['create-schema'],
  },
  plan(ctx) {
    const have = new Map(ctx.from.extensions.map((e) => [key(e), e]));
    const items: ChangeItem[] = [];
    for (const e of [...ctx.to.extensions].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const old = have.get(key(e));
      if (old && old.schema === e.schema) continue;
      const schema = e.schema ? ` SCHEMA ${quoteIdent(e.schema)}` : '';
      items.push({
        key: e.name,
        steps: [
          {
            sql: old ? `ALTER EXTENSION ${quoteIdent(e.name)} SET${schema || ' SCHEMA public'}` : `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)}${schema ? ` WITH${schema}` : ''}`,
            description: old ? `Move extension ${e.name} to schema ${e.schema}` : `Create extension ${e.name}`,
            transactional: true,
            lock: LockLevel.LOCK_LEVEL_NONE,
            lockTarget: quoteIdent(e.name),
            hazards: [hazard(HazardCode.EXTENSION_CHANGE, `extension ${e.name} is ${old ? 'moved' : 'installed'}`)],
          },
        ],
      });
    }
    return items;
  },
};
