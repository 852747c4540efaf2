import { INDEX_NAME_PLACEHOLDER } from '../../catalog/model.js';
import { quoteIdent } from '@fleetshift/sql-quote';

/**
 * Turns an Index.definition (pg_get_indexdef with the name replaced by a placeholder) into a CREATE INDEX
 * statement for `name`, optionally CONCURRENTLY.
 */
export function createIndexSql(definition: string, name: string, opts: { concurrently: boolean }): string {
  const match = /^CREATE (UNIQUE )?INDEX (.+?) ON (ONLY )?(.*)$/s.exec(definition.trim());
  if (!match || match[2] !== INDEX_NAME_PLACEHOLDER) throw new Error(`unexpected index definition: ${definition}`);
  const unique = match[1] ?? '';
  // `ON ONLY parent` builds an invalid parent-only index; without ONLY PostgreSQL recurses to partitions.
  return `CREATE ${unique}INDEX ${opts.concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(name)} ON ${match[4]}`;
}

/** True when the definition is on a partitioned parent (`ON ONLY …`): no CONCURRENTLY form exists. */
export function isOnlyDefinition(definition: string): boolean {
  return / ON ONLY /.test(definition);
}
