/** How tenants are isolated in a benchmark fleet. */
export type FleetKind = 'schema' | 'database';

/** Where one tenant lives. */
export interface TenantPlace {
  id: string;
  /** Its database (schema isolation: the fleet's shared database). */
  database: string;
  /** Its schema (schema isolation only). */
  schema?: string;
}

/** A fleet of tenants at v1, ready for one way of migrating it. */
export interface Fleet {
  kind: FleetKind;
  /** The blueprint name; also the shared database of schema isolation and the prefix of tenant databases. */
  blueprint: string;
  serverUrl: string;
  tenants: TenantPlace[];
  /** Rows in each tenant's orders table (users hold a tenth as many). */
  rows: number;
  /** Loads the rows into tenants that exist at v1 without data (after Fleetshift provisioned them), then VACUUM ANALYZE. */
  fill(): Promise<void>;
}

/** Tenant ids t1 … tN: the schema names too, so an application can address `t<n>.orders`. */
export function tenantIdOf(index: number): string {
  return `t${index + 1}`;
}

/** Where the scheduler places a tenant by default: database isolation `<blueprint>__<id>`, schema isolation `<blueprint>.<id>`. */
export function placeTenants(kind: FleetKind, blueprint: string, count: number): TenantPlace[] {
  return Array.from({ length: count }, (_, i) => {
    const id = tenantIdOf(i);
    return kind === 'schema' ? { id, database: blueprint, schema: id } : { id, database: `${blueprint}__${id}` };
  });
}
