import { readFile } from 'node:fs/promises';
import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { badInput } from '../cli-error.js';

/** The input format of a schema file, from its extension: `.oql` is OmniQL, anything else PostgreSQL DDL. */
export function schemaFormatOf(path: string): SchemaFormat {
  return path.toLowerCase().endsWith('.oql') ? SchemaFormat.SCHEMA_FORMAT_OMNIQL : SchemaFormat.SCHEMA_FORMAT_SQL;
}

/**
 * Reads a schema file as a SchemaSource named by the path as the caller wrote it, so that errors read
 * "schema.sql:3:14: …". An unreadable file is bad input naming the option and the path.
 */
export async function readSchemaFile(option: string, path: string): Promise<SchemaSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badInput(`${option} ${path}: cannot read the schema file: ${reason}`);
  }
  return { format: schemaFormatOf(path), text, filename: path };
}
