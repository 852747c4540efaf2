import type { Cluster, RegisterClusterRequest } from '@fleetshift/contracts';
import { ensureClusterConsumer } from '@fleetshift/bus';
import { ClusterEndpointConflictError, registerClusterRow } from '@fleetshift/control-store';
import { checkPasswordSource, checkTlsSource } from '@fleetshift/tenant-connection';
import { InvalidRequestError, PreconditionError } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';
import { rolloutDefaults, tenantDefaults } from '../defaults.js';

const clusterIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Checks a cluster and fills its defaults (port 5432, user postgres, budget 10, maintenance db postgres).
 * Its password source and CA file must be where the operator allows (FLEETSHIFT_PW_ variables, files in
 * FLEETSHIFT_SECRETS_DIR): anything else is SecretSourceRefusedError (PERMISSION_DENIED), so that a
 * caller cannot store a cluster that would send the service's PATH or /etc/shadow to its own host.
 */
export function normalizeCluster(input: Cluster | undefined): Cluster {
  if (!input) throw new InvalidRequestError('cluster is required');
  if (!clusterIdPattern.test(input.id)) {
    throw new InvalidRequestError(`cluster id ${JSON.stringify(input.id)}: use lowercase letters, digits, '-' and '_' (at most 63)`);
  }
  if (!input.host.trim()) throw new InvalidRequestError(`cluster ${input.id}: host is required`);
  if (input.port > 65535) throw new InvalidRequestError(`cluster ${input.id}: port ${input.port} is not a port number`);
  if (input.passwordEnv && input.passwordFile) {
    throw new InvalidRequestError(`cluster ${input.id}: name either password_env or password_file, not both`);
  }
  if (input.passwordEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(input.passwordEnv)) {
    throw new InvalidRequestError(`cluster ${input.id}: password_env ${JSON.stringify(input.passwordEnv)} is not a variable name`);
  }
  checkPasswordSource(input, `cluster ${input.id}`);
  checkTlsSource(input, `cluster ${input.id}`);
  return {
    ...input,
    host: input.host.trim(),
    port: input.port || 5432,
    adminUser: input.adminUser || 'postgres',
    maintenanceDatabase: input.maintenanceDatabase || tenantDefaults.maintenanceDatabase,
    connectionBudget: input.connectionBudget || tenantDefaults.connectionBudget,
    labels: input.labels ?? {},
    sslmode: input.sslmode ?? '',
    sslRootCertFile: input.sslRootCertFile ?? '',
  };
}

/**
 * Stores the cluster and makes sure its executors' durable consumer exists. Another host or port for an
 * existing id needs `replace` (else PreconditionError naming the current endpoint) and is recorded in the
 * cluster's history and the log.
 */
export async function registerCluster(ctx: SchedulerContext, request: Pick<RegisterClusterRequest, 'cluster'> & { replace?: boolean }): Promise<Cluster> {
  const registration = await registerClusterRow(ctx.pool, normalizeCluster(request.cluster), { replace: request.replace ?? false }).catch(
    (error: unknown) => {
      if (error instanceof ClusterEndpointConflictError) throw new PreconditionError(error.message, { cause: error });
      throw error;
    },
  );
  const { cluster } = registration;
  if (registration.replacedEndpoint) {
    ctx.logger.warn({ clusterId: cluster.id, from: registration.replacedEndpoint, to: `${cluster.host}:${cluster.port}` }, 'cluster endpoint replaced');
  }
  await ensureClusterConsumer(ctx.bus.jsm, ctx.bus.names, cluster.id, {
    connectionBudget: cluster.connectionBudget,
    tenantConcurrency: rolloutDefaults.tenantConcurrency,
  });
  ctx.logger.info({ clusterId: cluster.id, host: cluster.host, port: cluster.port, budget: cluster.connectionBudget }, 'cluster registered');
  return cluster;
}
