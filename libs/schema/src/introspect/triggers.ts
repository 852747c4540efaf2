import type { Trigger } from '../catalog/model.js';
import { withoutUndefined, type IntrospectionContext } from './context.js';
import { unqualifyTriggerDefinition } from './unqualify.js';

export interface TriggerRow {
  tableOid: string;
  trigger: Trigger;
}

/** User triggers on tables in scope; internal ones (foreign key enforcement) are PostgreSQL's business. */
export async function readTriggers(ctx: IntrospectionContext): Promise<TriggerRow[]> {
  const { rows } = await ctx.client.query<{
    table_oid: string;
    tgname: string;
    definition: string;
    enabled: boolean;
    inherited: boolean;
  }>(
    `SELECT t.tgrelid::text AS table_oid, t.tgname, pg_get_triggerdef(t.oid) AS definition,
            t.tgenabled <> 'D' AS enabled, t.tgparentid <> 0 AS inherited
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p') AND NOT t.tgisinternal`,
    [ctx.namespaceOids],
  );
  return rows.map((r) => ({
    tableOid: r.table_oid,
    trigger: withoutUndefined<Trigger>({
      name: r.tgname,
      definition: unqualifyTriggerDefinition(r.definition, ctx.scopePrefix),
      enabled: r.enabled,
      inherited: r.inherited || undefined,
    }),
  }));
}
