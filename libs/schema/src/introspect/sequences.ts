import type { Sequence } from '../catalog/model.js';
import { notExtensionMember, optional, withoutUndefined, type IntrospectionContext } from './context.js';

/**
 * Sequences in scope, except identity columns' sequences (they are part of the column). A serial's
 * sequence reports the column that owns it.
 */
export async function readSequences(ctx: IntrospectionContext): Promise<Sequence[]> {
  const { rows } = await ctx.client.query<{
    oid: string;
    nsp: string;
    relname: string;
    data_type: string;
    start: string;
    increment: string;
    min: string;
    max: string;
    cache: string;
    seqcycle: boolean;
    owned_by: string | null;
  }>(
    `SELECT c.oid::text AS oid, c.relnamespace::text AS nsp, c.relname, format_type(s.seqtypid, NULL) AS data_type,
            s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min,
            s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle,
            (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
               FROM pg_depend d
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                AND d.deptype = 'a' AND d.refobjsubid > 0
              LIMIT 1) AS owned_by
       FROM pg_sequence s
       JOIN pg_class c ON c.oid = s.seqrelid
      WHERE c.relnamespace = ANY($1::oid[]) AND ${notExtensionMember('pg_class', 'c.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend i
                         WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid AND i.deptype = 'i')`,
    [ctx.namespaceOids],
  );
  return rows.map((r) =>
    withoutUndefined<Sequence>({
      schema: ctx.schemaName(r.nsp),
      name: r.relname,
      dataType: r.data_type,
      start: r.start,
      increment: r.increment,
      min: r.min,
      max: r.max,
      cache: r.cache,
      cycle: r.seqcycle,
      ownedBy: optional(r.owned_by),
      comment: ctx.comments.of('class', r.oid),
    }),
  );
}
