import type { Tenant, TenantSelector } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';
import { isolations } from './states.js';

const columns = 'id, blueprint, cluster_id, isolation, database, schema, labels, version, fingerprint, created_at, updated_at';

interface TenantRow {
  id: string;
  blueprint: string;
  cluster_id: string;
  isolation: string;
  database: string;
  schema: string;
  labels: Record<string, string>;
  version: number;
  fingerprint: string;
  created_at: Date;
  updated_at: Date;
}

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    blueprint: row.blueprint,
    clusterId: row.cluster_id,
    isolation: isolations.value(row.isolation),
    database: row.database,
    schema: row.schema,
    labels: row.labels,
    version: row.version,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Inserts a tenant, or returns the existing one when it is registered again at the same place (its
 * labels are replaced). Registering an existing id elsewhere, or a new id at a place (cluster,
 * database, schema) another tenant holds, is a TenantConflictError naming both. Two registrations of
 * the same tenant at once both return it.
 */
export async function registerTenantRow(db: Queryable, tenant: Tenant): Promise<Tenant> {
  const existing = await getTenant(db, tenant.id);
  if (existing) return registerAgain(db, existing, tenant);
  // DO NOTHING on any unique conflict (the id, or the place): a conflict is then looked at, not raised,
  // so a transaction the caller passed stays usable.
  const { rows } = await db.query<TenantRow>(
    `INSERT INTO tenants (id, blueprint, cluster_id, isolation, database, schema, labels)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING ${columns}`,
    [
      tenant.id,
      tenant.blueprint,
      tenant.clusterId,
      isolations.word(tenant.isolation),
      tenant.database,
      tenant.schema,
      JSON.stringify(tenant.labels),
    ],
  );
  if (rows[0]) return toTenant(rows[0]);
  // Another registration of this id won the race, or the place is another tenant's.
  const winner = await getTenant(db, tenant.id);
  if (winner) return registerAgain(db, winner, tenant);
  const { rows: holders } = await db.query<{ id: string }>(
    'SELECT id FROM tenants WHERE cluster_id = $1 AND database = $2 AND schema = $3',
    [tenant.clusterId, tenant.database, tenant.schema],
  );
  throw new TenantConflictError(
    `tenant ${tenant.id} cannot be registered on ${placeOf(tenant)}: that place is held by tenant ${holders[0]?.id ?? '(unknown)'}`,
  );
}

function placeOf(tenant: Pick<Tenant, 'clusterId' | 'database' | 'schema'>): string {
  return `cluster ${tenant.clusterId}, database ${tenant.database}${tenant.schema ? `, schema ${tenant.schema}` : ''}`;
}

async function registerAgain(db: Queryable, existing: Tenant, tenant: Tenant): Promise<Tenant> {
  const samePlace =
    existing.blueprint === tenant.blueprint &&
    existing.clusterId === tenant.clusterId &&
    existing.database === tenant.database &&
    existing.schema === tenant.schema;
  if (!samePlace) {
    throw new TenantConflictError(`tenant ${tenant.id} is already registered in blueprint ${existing.blueprint} on ${placeOf(existing)}`);
  }
  const { rows } = await db.query<TenantRow>(
    `UPDATE tenants SET labels = $2, updated_at = now() WHERE id = $1 RETURNING ${columns}`,
    [tenant.id, JSON.stringify(tenant.labels)],
  );
  return toTenant(rows[0]);
}

export class TenantConflictError extends Error {}

export async function getTenant(db: Queryable, id: string): Promise<Tenant | undefined> {
  const { rows } = await db.query<TenantRow>(`SELECT ${columns} FROM tenants WHERE id = $1`, [id]);
  return rows[0] && toTenant(rows[0]);
}

export async function getTenants(db: Queryable, ids: string[]): Promise<Map<string, Tenant>> {
  const { rows } = await db.query<TenantRow>(`SELECT ${columns} FROM tenants WHERE id = ANY($1)`, [ids]);
  return new Map(rows.map((row) => [row.id, toTenant(row)]));
}

/** Records the version and fingerprint a tenant was brought to. */
export async function recordTenantVersion(db: Queryable, id: string, version: number, fingerprint: string): Promise<void> {
  await db.query('UPDATE tenants SET version = $2, fingerprint = $3, updated_at = now() WHERE id = $1', [id, version, fingerprint]);
}

export interface TenantFilter {
  blueprint?: string;
  clusterIds?: string[];
  tenantIds?: string[];
  labels?: Record<string, string>;
}

function where(filter: TenantFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: number) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(params.length));
  };
  if (filter.blueprint) add((n) => `blueprint = $${n}`, filter.blueprint);
  if (filter.clusterIds?.length) add((n) => `cluster_id = ANY($${n})`, filter.clusterIds);
  if (filter.tenantIds?.length) add((n) => `id = ANY($${n})`, filter.tenantIds);
  if (filter.labels && Object.keys(filter.labels).length) add((n) => `labels @> $${n}::jsonb`, JSON.stringify(filter.labels));
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Every tenant matching a filter, by id. */
export async function findTenants(db: Queryable, filter: TenantFilter): Promise<Tenant[]> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<TenantRow>(`SELECT ${columns} FROM tenants ${sql} ORDER BY id`, params);
  return rows.map(toTenant);
}

/** The tenants of a blueprint a rollout selector picks (fields combine with AND). */
export function selectTenants(db: Queryable, blueprint: string, selector: TenantSelector | undefined): Promise<Tenant[]> {
  return findTenants(db, {
    blueprint,
    tenantIds: selector?.tenantIds,
    clusterIds: selector?.clusterIds,
    labels: selector?.labels,
  });
}

export interface TenantPage {
  tenants: Tenant[];
  nextPageToken: string;
  total: number;
}

/**
 * One page of tenants ordered by id, after the tenant id `after` ('' for the first page): keyset paging.
 * nextPageToken here is the last id served (empty on the last page); the service wraps it in its opaque
 * token.
 */
export async function listTenantPage(db: Queryable, filter: TenantFilter, pageSize: number, after: string): Promise<TenantPage> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`listing tenants: page size must be a positive whole number, got ${pageSize}`);
  const { sql, params } = where(filter);
  const pageWhere = sql ? `${sql} AND id > $${params.length + 1}` : `WHERE id > $${params.length + 1}`;
  const [{ rows }, count] = await Promise.all([
    db.query<TenantRow>(`SELECT ${columns} FROM tenants ${pageWhere} ORDER BY id LIMIT ${pageSize + 1}`, [...params, after]),
    db.query<{ total: number }>(`SELECT count(*) AS total FROM tenants ${sql}`, params),
  ]);
  const page = rows.slice(0, pageSize).map(toTenant);
  const more = rows.length > pageSize;
  return {
    tenants: page,
    nextPageToken: more ? page[page.length - 1].id : '',
    total: count.rows[0].total,
  };
}

/** A tenant registered in bulk, with the version and fingerprint it is known to be at (0 and '' when none). */
export type BulkTenant = Pick<Tenant, 'id' | 'blueprint' | 'clusterId' | 'isolation' | 'database' | 'schema' | 'labels' | 'version' | 'fingerprint'>;

/**
 * Registers many tenants in one statement (unnest of arrays: one round trip per call, whatever the
 * count). A tenant whose id or place is taken already is left as it is (ON CONFLICT DO NOTHING); returns
 * how many rows were new. For fleets registered from an inventory (and the simulation): RegisterTenant
 * remains the one-by-one path with its conflict answers and provisioning.
 */
export async function registerTenantRows(db: Queryable, tenants: BulkTenant[]): Promise<number> {
  if (!tenants.length) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO tenants (id, blueprint, cluster_id, isolation, database, schema, labels, version, fingerprint)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::int[], $9::text[])
     ON CONFLICT DO NOTHING`,
    [
      tenants.map((t) => t.id),
      tenants.map((t) => t.blueprint),
      tenants.map((t) => t.clusterId),
      tenants.map((t) => isolations.word(t.isolation)),
      tenants.map((t) => t.database),
      tenants.map((t) => t.schema),
      tenants.map((t) => JSON.stringify(t.labels ?? {})),
      tenants.map((t) => t.version),
      tenants.map((t) => t.fingerprint),
    ],
  );
  return rowCount ?? 0;
}
