import pg from 'pg';
import { callMetadata, Isolation, SchemaFormat, unary, type schedulerClients } from '@fleetshift/contracts';
import { fingerprint, loadDesiredSchema } from '@fleetshift/schema';
import { quoteIdent } from '@fleetshift/sql-quote';
import { databaseUrl } from '@fleetshift/testing';
import type { SchedulerCaller } from './scheduler-caller.js';

type Clients = ReturnType<typeof schedulerClients>;

export type IsolationName = 'database' | 'schema';

/** Where a tenant lives on the shared server: its database, and its schema in schema isolation. */
export interface ChaosTenant {
  id: string;
  database: string;
  schema: string;
}

export function chaosTenants(blueprint: string, count: number, isolation: IsolationName): ChaosTenant[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `t${String(i + 1).padStart(5, '0')}`;
    // The scheduler's defaults (apps/scheduler README, RegisterTenant).
    return isolation === 'database' ? { id, database: `${blueprint}__${id}`, schema: '' } : { id, database: blueprint, schema: id };
  });
}

export async function registerCluster(clients: Clients, serverUrl: string): Promise<void> {
  const url = new URL(serverUrl);
  await unary(clients.tenants, clients.tenants.registerCluster, {
    cluster: {
      id: 'local',
      host: url.hostname,
      port: Number(url.port || 5432),
      adminUser: decodeURIComponent(url.username || 'postgres'),
      passwordEnv: '',
      passwordFile: '',
      maintenanceDatabase: 'postgres',
      connectionBudget: 16,
      labels: { env: 'chaos' },
      createdAt: undefined,
      sslmode: '',
      sslRootCertFile: '',
    },
    replace: false,
  }, callMetadata());
}

export async function pushVersion(clients: Clients, blueprint: string, text: string, allowedHazards: string[]): Promise<number> {
  const response = await unary(clients.schemas, clients.schemas.pushSchemaVersion, {
    blueprint,
    schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: `${blueprint}.sql` },
    allowedHazards,
    description: 'chaos',
  }, callMetadata());
  return response.version!.version;
}

/** Registers and provisions every tenant at the latest version, `concurrency` at a time. */
export async function provisionTenants(caller: SchedulerCaller, blueprint: string, tenants: ChaosTenant[], isolation: IsolationName, concurrency = 6): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tenants.length) {
      const tenant = tenants[next++];
      await caller.call((clients) => unary(clients.tenants, clients.tenants.registerTenant, {
        tenantId: tenant.id,
        blueprint,
        clusterId: 'local',
        isolation: isolation === 'schema' ? Isolation.ISOLATION_SCHEMA : Isolation.ISOLATION_DATABASE,
        database: '',
        schema: '',
        labels: {},
        provision: true,
      }, callMetadata()));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * The fingerprint a tenant's catalog has at a schema text, computed here and not by any service: the
 * text loaded into a scratch database and introspected in the tenant's scope (libs/schema).
 */
export function expectedFingerprint(serverUrl: string, text: string, isolation: IsolationName): Promise<string> {
  // The same for every run of a series: computed once.
  const key = `${serverUrl}\0${isolation}\0${text}`;
  let fingerprint = expectedFingerprints.get(key);
  if (!fingerprint) {
    fingerprint = computeFingerprint(serverUrl, text, isolation);
    expectedFingerprints.set(key, fingerprint);
    fingerprint.catch(() => expectedFingerprints.delete(key));
  }
  return fingerprint;
}

const expectedFingerprints = new Map<string, Promise<string>>();

async function computeFingerprint(serverUrl: string, text: string, isolation: IsolationName): Promise<string> {
  const catalog = await loadDesiredSchema(
    { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'chaos.sql' },
    { scratchServerUrl: serverUrl, schema: isolation === 'schema' ? 'chaos_reference' : undefined, scratchTag: 'chaos' },
  );
  return fingerprint(catalog);
}

/** Drops the run's tenant databases (`{blueprint}__*`, or `{blueprint}` in schema isolation). */
export async function dropTenantDatabases(serverUrl: string, blueprint: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 ESCAPE '!' OR datname = $2`,
      [`${blueprint}!_!_%`, blueprint],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
