import { LockLevel } from '@fleetshift/contracts';
import type { Extension } from '../../catalog/model.js';
import { quoteIdent, quoteLiteral } from '@fleetshift/sql-quote';
import type { ChangeItem, ChangeKind, StepDraft } from '../change.js';
import { HazardCode, hazard } from '../support/hazards.js';

const key = (e: Extension) => e.name;

/**
 * An extension new in the target, moved to another schema, or at another version: EXTENSION_CHANGE.
 * A new one is created at the target's version (the tenant's server may default to another); a version
 * change is `ALTER EXTENSION … UPDATE TO` (the extension's own upgrade script; a version with no update
 * path from the tenant's fails, in its transaction, leaving the tenant as it was).
 */
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
      const moved = old !== undefined && old.schema !== e.schema;
      const updated = old !== undefined && e.version !== undefined && old.version !== undefined && old.version !== e.version;
      if (old && !moved && !updated) continue;
      const schema = e.schema ? ` SCHEMA ${quoteIdent(e.schema)}` : '';
      const version = e.version ? ` VERSION ${quoteLiteral(e.version)}` : '';
      const step = (sql: string, description: string, what: string): StepDraft => ({
        sql,
        description,
        transactional: true,
        lock: LockLevel.LOCK_LEVEL_NONE,
        lockTarget: quoteIdent(e.name),
        hazards: [hazard(HazardCode.EXTENSION_CHANGE, `extension ${e.name} is ${what}`)],
      });
      const steps: StepDraft[] = [];
      if (!old) steps.push(step(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)}${schema || version ? ` WITH${schema}${version}` : ''}`, `Create extension ${e.name}${e.version ? ` ${e.version}` : ''}`, 'installed'));
      if (moved) steps.push(step(`ALTER EXTENSION ${quoteIdent(e.name)} SET${schema || ' SCHEMA public'}`, `Move extension ${e.name} to schema ${e.schema}`, 'moved'));
      if (updated) steps.push(step(`ALTER EXTENSION ${quoteIdent(e.name)} UPDATE TO ${quoteLiteral(e.version!)}`, `Update extension ${e.name} from ${old!.version} to ${e.version}`, `updated from ${old!.version} to ${e.version}`));
      items.push({ key: e.name, steps });
    }
    return items;
  },
};
