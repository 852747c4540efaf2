import type pg from 'pg';
import { scopeNamespacePredicate } from './scope.js';

/**
 * A stamp of the catalog rows that describe a tenant's schema: a hash over the identity and row version
 * (xmin) of every row of the catalogs the introspection reads, for the namespaces in scope. Any DDL,
 * COMMENT, GRANT or ownership change on a tenant object writes a new version of at least one of these
 * rows (or adds or removes one), so the stamp changes; VACUUM and ANALYZE update pg_class in place and
 * keep xmin, so they do not.
 *
 * What it is for: a stamp equal to the one recorded with a fingerprint proves the schema did not change
 * since, and the fingerprint can be reused without a full introspection (one query instead of about
 * fifteen). The converse is not true — a different stamp says nothing about the fingerprint (a change
 * undone by hand gives a new stamp and the same schema) — so a mismatch only means "introspect".
 *
 * Returns '' when the schema (schema scope) does not exist.
 */
export async function catalogStamp(client: pg.ClientBase, opts: { schema?: string } = {}): Promise<string> {
  const schema = opts.schema || undefined;
  const { rows } = await client.query<{ stamp: string | null }>(catalogStampSql(schema !== undefined), schema !== undefined ? [schema] : []);
  return rows[0]?.stamp ?? '';
}

/**
 * The object sets are arrays (`= ANY(array)`), not `IN (subquery)`: PostgreSQL then estimates them at a
 * handful of rows and looks each catalog up by its index. With IN (subquery) and catalog statistics that
 * lag behind (a database whose schemas were just created), it hashed whole catalogs instead: on a
 * database of 2,000 tenant schemas that was a seq scan of ~130,000 pg_attribute and ~50,000 pg_depend
 * rows per stamp, about 100 ms of server CPU instead of a few. Only pg_class, pg_type, pg_proc,
 * pg_constraint, pg_collation and pg_statistic_ext are read by namespace, which none of them indexes.
 */
export function catalogStampSql(schemaScoped: boolean): string {
  return `
WITH ns AS MATERIALIZED (SELECT array_agg(n.oid) AS a FROM pg_namespace n WHERE ${scopeNamespacePredicate(schemaScoped)}),
     cls AS MATERIALIZED (SELECT array_agg(c.oid) AS a FROM pg_class c WHERE c.relnamespace = ANY ((SELECT a FROM ns)::oid[])),
     typ AS MATERIALIZED (SELECT array_agg(t.oid) AS a FROM pg_type t WHERE t.typnamespace = ANY ((SELECT a FROM ns)::oid[])),
     fn AS MATERIALIZED (SELECT array_agg(p.oid) AS a FROM pg_proc p WHERE p.pronamespace = ANY ((SELECT a FROM ns)::oid[])),
     con AS MATERIALIZED (SELECT array_agg(DISTINCT k.oid) AS a FROM (
              SELECT oid FROM pg_constraint WHERE connamespace = ANY ((SELECT a FROM ns)::oid[])
              UNION ALL SELECT oid FROM pg_constraint WHERE conrelid = ANY ((SELECT a FROM cls)::oid[])) k),
     trg AS MATERIALIZED (SELECT array_agg(g.oid) AS a FROM pg_trigger g WHERE g.tgrelid = ANY ((SELECT a FROM cls)::oid[])),
     pol AS MATERIALIZED (SELECT array_agg(p.oid) AS a FROM pg_policy p WHERE p.polrelid = ANY ((SELECT a FROM cls)::oid[])),
     objects AS MATERIALIZED (SELECT coalesce((SELECT a FROM ns), '{}') || coalesce((SELECT a FROM cls), '{}') || coalesce((SELECT a FROM typ), '{}')
                                  || coalesce((SELECT a FROM fn), '{}') || coalesce((SELECT a FROM con), '{}') || coalesce((SELECT a FROM trg), '{}')
                                  || coalesce((SELECT a FROM pol), '{}') AS a),
     versions(v) AS (
       SELECT 'n' || oid || ':' || xmin FROM pg_namespace WHERE oid = ANY ((SELECT a FROM ns)::oid[])
       UNION ALL SELECT 'c' || oid || ':' || xmin FROM pg_class WHERE oid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'a' || attrelid || '.' || attnum || ':' || xmin FROM pg_attribute WHERE attrelid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'd' || oid || ':' || xmin FROM pg_attrdef WHERE adrelid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'k' || oid || ':' || xmin FROM pg_constraint WHERE oid = ANY ((SELECT a FROM con)::oid[])
       UNION ALL SELECT 'i' || indexrelid || ':' || xmin FROM pg_index WHERE indrelid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'g' || oid || ':' || xmin FROM pg_trigger WHERE oid = ANY ((SELECT a FROM trg)::oid[])
       UNION ALL SELECT 'p' || oid || ':' || xmin FROM pg_policy WHERE oid = ANY ((SELECT a FROM pol)::oid[])
       UNION ALL SELECT 'r' || oid || ':' || xmin FROM pg_rewrite WHERE ev_class = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'pt' || partrelid || ':' || xmin FROM pg_partitioned_table WHERE partrelid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'h' || inhrelid || '.' || inhparent || ':' || xmin FROM pg_inherits WHERE inhrelid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 't' || oid || ':' || xmin FROM pg_type WHERE oid = ANY ((SELECT a FROM typ)::oid[])
       UNION ALL SELECT 'e' || oid || ':' || xmin FROM pg_enum WHERE enumtypid = ANY ((SELECT a FROM typ)::oid[])
       UNION ALL SELECT 'f' || oid || ':' || xmin FROM pg_proc WHERE oid = ANY ((SELECT a FROM fn)::oid[])
       UNION ALL SELECT 's' || seqrelid || ':' || xmin FROM pg_sequence WHERE seqrelid = ANY ((SELECT a FROM cls)::oid[])
       UNION ALL SELECT 'o' || oid || ':' || xmin FROM pg_collation WHERE collnamespace = ANY ((SELECT a FROM ns)::oid[])
       UNION ALL SELECT 'q' || oid || ':' || xmin FROM pg_statistic_ext WHERE stxnamespace = ANY ((SELECT a FROM ns)::oid[])
       UNION ALL SELECT 'x' || oid || ':' || xmin FROM pg_extension
       UNION ALL SELECT 'm' || classoid || '.' || objoid || '.' || objsubid || ':' || xmin FROM pg_description WHERE objoid = ANY ((SELECT a FROM objects)::oid[])
       UNION ALL SELECT 'y' || objid || '.' || objsubid || '>' || refclassid || '.' || refobjid || '.' || refobjsubid || deptype::text || ':' || xmin
                   FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid = ANY ((SELECT a FROM cls)::oid[])
     )
SELECT CASE WHEN (SELECT a FROM ns) IS NOT NULL THEN md5(string_agg(v, ',' ORDER BY v)) END AS stamp FROM versions`;
}
