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
  const { rows } = await client.query<{ stamp: string | null }>(stampSql(schema !== undefined), schema !== undefined ? [schema] : []);
  return rows[0]?.stamp ?? '';
}

function stampSql(schemaScoped: boolean): string {
  return `
WITH ns AS (SELECT n.oid FROM pg_namespace n WHERE ${scopeNamespacePredicate(schemaScoped)}),
     cls AS (SELECT c.oid FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)),
     typ AS (SELECT t.oid FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns)),
     fn AS (SELECT p.oid FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)),
     con AS (SELECT k.oid FROM pg_constraint k WHERE k.connamespace IN (SELECT oid FROM ns) OR k.conrelid IN (SELECT oid FROM cls)),
     trg AS (SELECT g.oid FROM pg_trigger g WHERE g.tgrelid IN (SELECT oid FROM cls)),
     pol AS (SELECT p.oid FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM cls)),
     objects AS (SELECT oid FROM ns UNION ALL SELECT oid FROM cls UNION ALL SELECT oid FROM typ UNION ALL SELECT oid FROM fn
                 UNION ALL SELECT oid FROM con UNION ALL SELECT oid FROM trg UNION ALL SELECT oid FROM pol),
     versions(v) AS (
       SELECT 'n' || oid || ':' || xmin FROM pg_namespace WHERE oid IN (SELECT oid FROM ns)
       UNION ALL SELECT 'c' || oid || ':' || xmin FROM pg_class WHERE oid IN (SELECT oid FROM cls)
       UNION ALL SELECT 'a' || attrelid || '.' || attnum || ':' || xmin FROM pg_attribute WHERE attrelid IN (SELECT oid FROM cls)
       UNION ALL SELECT 'd' || oid || ':' || xmin FROM pg_attrdef WHERE adrelid IN (SELECT oid FROM cls)
       UNION ALL SELECT 'k' || oid || ':' || xmin FROM pg_constraint WHERE oid IN (SELECT oid FROM con)
       UNION ALL SELECT 'i' || indexrelid || ':' || xmin FROM pg_index WHERE indrelid IN (SELECT oid FROM cls)
       UNION ALL SELECT 'g' || oid || ':' || xmin FROM pg_trigger WHERE oid IN (SELECT oid FROM trg)
       UNION ALL SELECT 'p' || oid || ':' || xmin FROM pg_policy WHERE oid IN (SELECT oid FROM pol)
       UNION ALL SELECT 'r' || oid || ':' || xmin FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM cls)
       UNION ALL SELECT 'pt' || partrelid || ':' || xmin FROM pg_partitioned_table WHERE partrelid IN (SELECT oid FROM cls)
       UNION ALL SELECT 'h' || inhrelid || '.' || inhparent || ':' || xmin FROM pg_inherits WHERE inhrelid IN (SELECT oid FROM cls)
       UNION ALL SELECT 't' || oid || ':' || xmin FROM pg_type WHERE oid IN (SELECT oid FROM typ)
       UNION ALL SELECT 'e' || oid || ':' || xmin FROM pg_enum WHERE enumtypid IN (SELECT oid FROM typ)
       UNION ALL SELECT 'f' || oid || ':' || xmin FROM pg_proc WHERE oid IN (SELECT oid FROM fn)
       UNION ALL SELECT 's' || seqrelid || ':' || xmin FROM pg_sequence WHERE seqrelid IN (SELECT oid FROM cls)
       UNION ALL SELECT 'o' || oid || ':' || xmin FROM pg_collation WHERE collnamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'q' || oid || ':' || xmin FROM pg_statistic_ext WHERE stxnamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'x' || oid || ':' || xmin FROM pg_extension
       UNION ALL SELECT 'm' || classoid || '.' || objoid || '.' || objsubid || ':' || xmin FROM pg_description WHERE objoid IN (SELECT oid FROM objects)
       UNION ALL SELECT 'y' || objid || '.' || objsubid || '>' || refclassid || '.' || refobjid || '.' || refobjsubid || deptype::text || ':' || xmin
                   FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid IN (SELECT oid FROM cls)
     )
SELECT CASE WHEN EXISTS (SELECT 1 FROM ns) THEN md5(string_agg(v, ',' ORDER BY v)) END AS stamp FROM versions`;
}
