import { INDEX_NAME_PLACEHOLDER } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';

/**
 * Turns an Index.definition (pg_get_indexdef with the name replaced by a placeholder) into a CREATE INDEX
 * statement for `name`, optionally CONCURRENTLY.
 */
export function createIndexSql(definition: string, name: string, opts: { concurrently: boolean; only?: boolean }): string {
  const match = /^CREATE (UNIQUE )?INDEX (.+?) ON (ONLY )?(.*)$/s.exec(definition.trim());
  if (!match || match[2] !== INDEX_NAME_PLACEHOLDER) throw new Error(`unexpected index definition: ${definition}`);
  const unique = match[1] ?? '';
  // `ON ONLY parent` builds an invalid parent-only index (nothing is read: a partitioned parent holds no
  // rows); without ONLY PostgreSQL recurses to the partitions and builds there under SHARE.
  const only = opts.only && match[3] ? 'ONLY ' : '';
  return `CREATE ${unique}INDEX ${opts.concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(name)} ON ${only}${match[4]}`;
}

/**
 * What an index is, whatever relation it is on: the definition without its relation ("CREATE INDEX
 * {{name}} ON <rel> USING btree (id)" → "CREATE INDEX {{name}} USING btree (id)"). A partitioned parent's
 * index and its partitions' indexes have the same shape: PostgreSQL prints a partition's columns by name.
 */
export function indexShape(definition: string): string {
  const match = /^(CREATE (?:UNIQUE )?INDEX \{\{name\}\}) ON (?:ONLY )?.+? (USING .*)$/s.exec(definition.trim());
  if (!match) throw new Error(`unexpected index definition: ${definition}`);
  return `${match[1]} ${match[2]}`;
}

/** True when the definition is on a partitioned parent (`ON ONLY …`): no CONCURRENTLY form exists. */
export function isOnlyDefinition(definition: string): boolean {
  return / ON ONLY /.test(definition);
}
