import type pg from 'pg';

/** Which catalog an object lives in, for looking up its comment. */
export type CommentedKind = 'class' | 'constraint' | 'type' | 'proc';

/** Comments on user objects (COMMENT ON …), looked up by object. */
export interface Comments {
  /** The comment of an object (a column: its table's oid and attnum as `subId`). */
  of(kind: CommentedKind, oid: string, subId?: number): string | undefined;
}

/**
 * All comments on user-created objects in one query. OIDs below 16384 are the system's own objects
 * (pg_catalog's thousands of function descriptions), never part of a tenant's schema.
 */
export async function readComments(client: pg.ClientBase): Promise<Comments> {
  const { rows } = await client.query<{ kind: CommentedKind; objoid: string; objsubid: number; description: string }>(`
    SELECT CASE d.classoid
             WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN 'class'
             WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN 'constraint'
             WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN 'type'
             ELSE 'proc' END AS kind,
           d.objoid::text AS objoid, d.objsubid, d.description
      FROM pg_catalog.pg_description d
     WHERE d.objoid >= 16384
       AND d.classoid IN ('pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass,
                          'pg_catalog.pg_type'::pg_catalog.regclass, 'pg_catalog.pg_proc'::pg_catalog.regclass)`);
  const byKey = new Map(rows.map((r) => [`${r.kind}:${r.objoid}:${r.objsubid}`, r.description]));
  return { of: (kind, oid, subId = 0) => byKey.get(`${kind}:${oid}:${subId}`) };
}
