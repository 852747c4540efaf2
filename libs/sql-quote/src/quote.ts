import pg from 'pg';

/**
 * The one way an identifier reaches SQL in Fleetshift: always double-quoted, embedded quotes doubled.
 * Tenant, schema, table and database names never reach SQL any other way.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('empty SQL identifier');
  if (name.includes('\0')) throw new Error(`SQL identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return pg.escapeIdentifier(name);
}

/** schema.name, each part quoted; an empty schema yields the bare quoted name (schema-relative plans). */
export function quoteQualified(schema: string, name: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** A string literal, for values such as comments and enum labels. */
export function quoteLiteral(value: string): string {
  return pg.escapeLiteral(value);
}
