import type pg from 'pg';

/**
 * `fleetshift.catalog_stamps`: per tenant, the catalog stamp (libs/schema catalogStamp) of its schema with
 * the fingerprint that schema has. Written with each version applied (in the same transaction) and after
 * each full introspection; read by the drift check, which reuses the fingerprint while the stamp is the
 * same instead of introspecting again.
 */
export interface CatalogStampRow {
  stamp: string;
  fingerprint: string;
}

export async function readCatalogStamp(client: pg.ClientBase, tenantSchema: string): Promise<CatalogStampRow | undefined> {
  const { rows } = await client.query<CatalogStampRow>('SELECT stamp, fingerprint FROM fleetshift.catalog_stamps WHERE tenant_schema = $1', [tenantSchema]);
  return rows[0];
}

export async function recordCatalogStamp(client: pg.ClientBase, tenantSchema: string, row: CatalogStampRow): Promise<void> {
  if (!row.stamp) return;
  await client.query(
    `INSERT INTO fleetshift.catalog_stamps (tenant_schema, stamp, fingerprint) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_schema) DO UPDATE SET stamp = EXCLUDED.stamp, fingerprint = EXCLUDED.fingerprint, recorded_at = now()`,
    [tenantSchema, row.stamp, row.fingerprint],
  );
}
