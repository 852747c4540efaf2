import pg from 'pg';
import { databaseUrl } from '@fleetshift/testing';
import type { Fleet } from './fleet.js';

/**
 * The v2 features as pg_catalog shows them, per schema: every change of the change set present and
 * finished (index valid, constraints validated, the set-NOT-NULL helper check gone). One query per
 * database, so thousands of schemas are checked in a second; the test of the ways compares full
 * fingerprints instead.
 */
const atV2Sql = `
SELECT n.nspname AS schema
FROM pg_namespace n
JOIN pg_class u ON u.relnamespace = n.oid AND u.relname = 'users' AND u.relkind = 'r'
JOIN pg_class o ON o.relnamespace = n.oid AND o.relname = 'orders' AND o.relkind = 'r'
WHERE n.nspname = ANY($1::text[])
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = u.oid AND a.attname = 'phone' AND NOT a.attisdropped AND NOT a.attnotnull)
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = u.oid AND a.attname = 'name' AND a.attnotnull)
  AND EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = o.oid AND a.attname = 'currency' AND a.attnotnull AND NOT a.attisdropped)
  AND EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indrelid = o.oid AND ic.relname = 'orders_user_id_idx' AND i.indisvalid AND i.indisready)
  AND EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = o.oid AND c.conname = 'orders_user_id_fkey' AND c.contype = 'f' AND c.convalidated)
  AND EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = o.oid AND c.conname = 'orders_total_cents_check' AND c.contype = 'c' AND c.convalidated)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = u.oid AND c.contype = 'c')`;

/** The ids of the fleet's tenants that are not at v2 (missing, unfinished or invalid parts). */
export async function tenantsNotAtTarget(fleet: Fleet): Promise<string[]> {
  const missing: string[] = [];
  const byDatabase = new Map<string, typeof fleet.tenants>();
  for (const tenant of fleet.tenants) byDatabase.set(tenant.database, [...(byDatabase.get(tenant.database) ?? []), tenant]);
  for (const [database, tenants] of byDatabase) {
    const client = new pg.Client({ connectionString: databaseUrl(fleet.serverUrl, database), application_name: 'fleetshift-bench' });
    await client.connect();
    try {
      const { rows } = await client.query<{ schema: string }>(atV2Sql, [tenants.map((t) => t.schema ?? 'public')]);
      const done = new Set(rows.map((r) => r.schema));
      for (const tenant of tenants) if (!done.has(tenant.schema ?? 'public')) missing.push(tenant.id);
    } finally {
      await client.end();
    }
  }
  return missing;
}
