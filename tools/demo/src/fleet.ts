import {
  callMetadata,
  Isolation,
  SchemaFormat,
  unary,
  type schedulerClients,
} from '@fleetshift/contracts';

type Clients = ReturnType<typeof schedulerClients>;

export interface FleetSpec {
  blueprint: string;
  tenants: number;
  isolation: 'database' | 'schema';
  cluster: { id: string; host: string; port: number; user: string; passwordEnv?: string };
}

/** Registers the demo's cluster and pushes a schema version (a repeated push of the same text is a no-op). */
export async function registerCluster(clients: Clients, spec: FleetSpec, token?: string): Promise<void> {
  const { cluster } = spec;
  await unary(clients.tenants, clients.tenants.registerCluster, {
    cluster: {
      id: cluster.id,
      host: cluster.host,
      port: cluster.port,
      adminUser: cluster.user,
      passwordEnv: cluster.passwordEnv ?? '',
      passwordFile: '',
      maintenanceDatabase: 'postgres',
      connectionBudget: 16,
      labels: { env: 'demo' },
      createdAt: undefined,
      sslmode: '',
      sslRootCertFile: '',
    },
    replace: false,
  }, callMetadata(token));
}

export async function pushVersion(
  clients: Clients,
  blueprint: string,
  text: string,
  description: string,
  allowedHazards: string[] = [],
  token?: string,
): Promise<number> {
  const response = await unary(clients.schemas, clients.schemas.pushSchemaVersion, {
    blueprint,
    schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: `${blueprint}-${description}.sql` },
    allowedHazards,
    description,
  }, callMetadata(token));
  return response.version!.version;
}

export function tenantId(index: number): string {
  return `t${String(index + 1).padStart(5, '0')}`;
}

/**
 * Registers and provisions every tenant (database or schema created, brought to the latest version),
 * a few at a time; `onProgress` is told after each tenant.
 */
export async function provisionTenants(
  clients: Clients,
  spec: FleetSpec,
  concurrency: number,
  onProgress: (done: number) => void,
  token?: string,
): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < spec.tenants) {
      const index = next++;
      await unary(clients.tenants, clients.tenants.registerTenant, {
        tenantId: tenantId(index),
        blueprint: spec.blueprint,
        clusterId: spec.cluster.id,
        isolation: spec.isolation === 'schema' ? Isolation.ISOLATION_SCHEMA : Isolation.ISOLATION_DATABASE,
        database: '',
        schema: '',
        labels: { plan: index % 10 === 0 ? 'enterprise' : 'standard' },
        provision: true,
      }, callMetadata(token));
      onProgress(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
