import { Isolation, type RegisterTenantRequest, type Tenant } from '@fleetshift/contracts';
import { blueprintExists, getCluster, registerTenantRow, TenantConflictError } from '@fleetshift/control-store';
import { AlreadyExistsError, InvalidRequestError, NotFoundError } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';
import type { Provisioner } from './provision-tenant.js';

const tenantIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const maxIdentifierLength = 63;

/** The tenant a request describes, with the default database and schema names filled in. */
export function tenantFromRequest(request: RegisterTenantRequest): Tenant {
  if (!tenantIdPattern.test(request.tenantId)) {
    throw new InvalidRequestError(`tenant id ${JSON.stringify(request.tenantId)}: use lowercase letters, digits, '-' and '_' (at most 63)`);
  }
  if (!request.blueprint) throw new InvalidRequestError(`tenant ${request.tenantId}: blueprint is required`);
  if (!request.clusterId) throw new InvalidRequestError(`tenant ${request.tenantId}: cluster_id is required`);
  const isolation = request.isolation || Isolation.ISOLATION_DATABASE;
  if (isolation !== Isolation.ISOLATION_DATABASE && isolation !== Isolation.ISOLATION_SCHEMA) {
    throw new InvalidRequestError(`tenant ${request.tenantId}: unknown isolation ${request.isolation}`);
  }
  const schemaIsolation = isolation === Isolation.ISOLATION_SCHEMA;
  const database = request.database || (schemaIsolation ? request.blueprint : `${request.blueprint}__${request.tenantId}`);
  const schema = schemaIsolation ? request.schema || request.tenantId : '';
  if (!schemaIsolation && request.schema) {
    throw new InvalidRequestError(`tenant ${request.tenantId}: schema is for SCHEMA isolation only`);
  }
  for (const [what, name] of [['database', database], ['schema', schema]] as const) {
    if (name.length > maxIdentifierLength) {
      throw new InvalidRequestError(`tenant ${request.tenantId}: ${what} name ${JSON.stringify(name)} is longer than ${maxIdentifierLength} bytes`);
    }
  }
  if (schemaIsolation && (schema === 'fleetshift' || schema === 'public' || schema.startsWith('pg_'))) {
    throw new InvalidRequestError(`tenant ${request.tenantId}: schema ${JSON.stringify(schema)} is reserved`);
  }
  return {
    id: request.tenantId,
    blueprint: request.blueprint,
    clusterId: request.clusterId,
    isolation,
    database,
    schema,
    labels: request.labels ?? {},
    version: 0,
    fingerprint: '',
    createdAt: undefined,
    updatedAt: undefined,
  };
}

/**
 * Registers a tenant (again: same place → same tenant, labels replaced) and, with provision, creates its
 * database or schema and brings it to the blueprint's latest version. A tenant already at the latest
 * version is left alone, so registering twice is safe.
 */
export async function registerTenant(ctx: SchedulerContext, provisioner: Provisioner, request: RegisterTenantRequest): Promise<Tenant> {
  const wanted = tenantFromRequest(request);
  if (!(await blueprintExists(ctx.pool, wanted.blueprint))) {
    throw new NotFoundError(`tenant ${wanted.id}: blueprint ${wanted.blueprint} does not exist (push a schema version first)`);
  }
  const cluster = await getCluster(ctx.pool, wanted.clusterId);
  if (!cluster) throw new NotFoundError(`tenant ${wanted.id}: cluster ${wanted.clusterId} is not registered`);
  let tenant: Tenant;
  try {
    tenant = await registerTenantRow(ctx.pool, wanted);
  } catch (error) {
    if (error instanceof TenantConflictError) throw new AlreadyExistsError(error.message);
    throw error;
  }
  if (!request.provision) return tenant;
  return provisioner.provision(tenant, cluster);
}
