import type * as grpc from '@grpc/grpc-js';
import { TenantServiceService, type Cluster, type ListClustersResponse } from '@fleetshift/contracts';
import { startGrpcServer, unimplementedService, type RunningGrpcServer } from '@fleetshift/telemetry';

/**
 * A real gRPC server speaking fleetshift.v1.TenantService (ListClusters only; every other method answers
 * UNIMPLEMENTED), standing where the scheduler stands for the monitor. `clusters` is what it answers and
 * may be changed between calls; `stop()` and `start()` take it away and bring it back on the same port,
 * as a scheduler restart would. With `apiToken`, calls without the bearer token are UNAUTHENTICATED (the
 * services' own interceptor).
 */
export async function startClusterRegistry(options: { apiToken?: string } = {}) {
  let server: RunningGrpcServer | undefined;
  let port = 0;
  const registry = {
    clusters: [] as Cluster[],
    /** How many ListClusters calls it has answered. */
    calls: 0,
    get address() {
      return `127.0.0.1:${port}`;
    },
    async start() {
      if (server) return;
      server = await startGrpcServer({
        host: '127.0.0.1',
        port,
        apiToken: options.apiToken,
        services: [
          {
            name: 'fleetshift.v1.TenantService',
            definition: TenantServiceService,
            implementation: {
              ...unimplementedService(TenantServiceService, 'the monitor tests serve ListClusters only'),
              listClusters: (_call: unknown, callback: grpc.sendUnaryData<ListClustersResponse>) => {
                registry.calls += 1;
                callback(null, { clusters: registry.clusters, nextPageToken: '' });
              },
            },
          },
        ],
      });
      port = server.port;
    },
    async stop() {
      await server?.stop(0);
      server = undefined;
    },
  };
  await registry.start();
  return registry;
}

/** A cluster registration as the scheduler answers it, with the scheduler's defaults for what is not given. */
export function registeredCluster(fields: Partial<Cluster> & Pick<Cluster, 'id' | 'host' | 'port'>): Cluster {
  return {
    adminUser: 'postgres',
    passwordEnv: '',
    passwordFile: '',
    maintenanceDatabase: '',
    connectionBudget: 10,
    labels: {},
    createdAt: undefined,
    sslmode: '',
    sslRootCertFile: '',
    ...fields,
  };
}
