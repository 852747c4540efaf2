import type { SchemaSource } from '@fleetshift/contracts';
import { readSchemaFile } from './schema-file.js';

/** Where the from-state of a plan comes from: a live database, or a schema file. */
export type FromState = { kind: 'database'; url: string } | { kind: 'file'; source: SchemaSource };

/** True for a PostgreSQL connection URL (postgres:// or postgresql://). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** `--from`: a postgres URL is introspected live; anything else is read as a schema file. */
export async function readFromState(value: string): Promise<FromState> {
  if (isPostgresUrl(value)) return { kind: 'database', url: value };
  return { kind: 'file', source: await readSchemaFile('--from', value) };
}
