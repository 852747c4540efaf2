import pg from 'pg';
import type { SchemaVersion } from '@fleetshift/contracts';
import { withTransaction, type Queryable } from './queryable.js';
import { schemaFormats } from './states.js';

const columns = 'blueprint, version, format, text, filename, fingerprint, allowed_hazards, description, created_at';

interface SchemaVersionRow {
  blueprint: string;
  version: number;
  format: string;
  text: string;
  filename: string;
  fingerprint: string;
  allowed_hazards: string[];
  description: string;
  created_at: Date;
}

function toSchemaVersion(row: SchemaVersionRow): SchemaVersion {
  return {
    blueprint: row.blueprint,
    version: row.version,
    schema: { format: schemaFormats.value(row.format), text: row.text, filename: row.filename },
    fingerprint: row.fingerprint,
    allowedHazards: row.allowed_hazards,
    description: row.description,
    createdAt: row.created_at,
  };
}

export interface NewSchemaVersion {
  blueprint: string;
  schema: NonNullable<SchemaVersion['schema']>;
  fingerprint: string;
  allowedHazards: string[];
  description: string;
}

/**
 * Stores the next version of a blueprint (creating the blueprint on first push), unless its text
 * equals the latest version's: then returns that one with created=false. Serialized per blueprint
 * by a lock on the blueprint row, so two pushes never get the same number. That lock lasts as long as
 * a transaction: given the pool, it takes a transaction of its own; given a client, the caller's
 * transaction holds it.
 */
export async function appendSchemaVersion(
  db: Queryable,
  next: NewSchemaVersion,
): Promise<{ version: SchemaVersion; created: boolean }> {
  if (db instanceof pg.Pool) return withTransaction(db, (client) => appendSchemaVersion(client, next));
  await db.query('INSERT INTO blueprints (name) VALUES ($1) ON CONFLICT DO NOTHING', [next.blueprint]);
  await db.query('SELECT name FROM blueprints WHERE name = $1 FOR UPDATE', [next.blueprint]);
  const latest = await getSchemaVersion(db, next.blueprint, 0);
  if (latest && latest.schema?.text === next.schema.text && latest.schema.format === next.schema.format) {
    return { version: latest, created: false };
  }
  const { rows } = await db.query<SchemaVersionRow>(
    `INSERT INTO schema_versions (blueprint, version, format, text, filename, fingerprint, allowed_hazards, description)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${columns}`,
    [
      next.blueprint,
      (latest?.version ?? 0) + 1,
      schemaFormats.word(next.schema.format),
      next.schema.text,
      next.schema.filename,
      next.fingerprint,
      next.allowedHazards,
      next.description,
    ],
  );
  return { version: toSchemaVersion(rows[0]), created: true };
}

/** One version of a blueprint; version 0 means the latest. */
export async function getSchemaVersion(db: Queryable, blueprint: string, version: number): Promise<SchemaVersion | undefined> {
  const { rows } =
    version === 0
      ? await db.query<SchemaVersionRow>(
          `SELECT ${columns} FROM schema_versions WHERE blueprint = $1 ORDER BY version DESC LIMIT 1`,
          [blueprint],
        )
      : await db.query<SchemaVersionRow>(`SELECT ${columns} FROM schema_versions WHERE blueprint = $1 AND version = $2`, [
          blueprint,
          version,
        ]);
  return rows[0] && toSchemaVersion(rows[0]);
}

/** A blueprint's versions, oldest first; with `page`, at most `limit` after version `after` (keyset paging). */
export async function listSchemaVersions(db: Queryable, blueprint: string, page?: { after?: number; limit: number }): Promise<SchemaVersion[]> {
  const { rows } = await db.query<SchemaVersionRow>(
    `SELECT ${columns} FROM schema_versions WHERE blueprint = $1 AND version > $2 ORDER BY version${page ? ' LIMIT $3' : ''}`,
    page ? [blueprint, page.after ?? 0, page.limit] : [blueprint, 0],
  );
  return rows.map(toSchemaVersion);
}

export async function blueprintExists(db: Queryable, blueprint: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM blueprints WHERE name = $1', [blueprint]);
  return Boolean(rowCount);
}
