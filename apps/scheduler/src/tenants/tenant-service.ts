import { validatedService } from '@fleetshift/telemetry/request-fields';
import { tenantServiceValidators } from '../request-validation.js';
import type { TenantServiceServer } from '@fleetshift/contracts';
import { getTenant, listClusters, listTenantEvents, listTenantPage } from '@fleetshift/control-store';
import { NotFoundError, unaryHandler } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';
import { tenantDefaults } from '../defaults.js';
import type { Provisioner } from './provision-tenant.js';
import { registerCluster } from './register-cluster.js';
import { registerTenant } from './register-tenant.js';

export function tenantService(ctx: SchedulerContext, provisioner: Provisioner): TenantServiceServer {
  const log = ctx.logger;
  return validatedService<TenantServiceServer>({
    registerCluster: unaryHandler('RegisterCluster', log, async (request) => ({ cluster: await registerCluster(ctx, request) })),
    listClusters: unaryHandler('ListClusters', log, async () => ({ clusters: await listClusters(ctx.pool) })),
    registerTenant: unaryHandler('RegisterTenant', log, async (request) => ({ tenant: await registerTenant(ctx, provisioner, request) })),
    getTenant: unaryHandler('GetTenant', log, async (request) => {
      const tenant = await getTenant(ctx.pool, request.tenantId);
      if (!tenant) throw new NotFoundError(`tenant ${request.tenantId} is not registered`);
      return { tenant };
    }),
    listTenants: unaryHandler('ListTenants', log, async (request) => {
      const pageSize = Math.min(request.pageSize || tenantDefaults.listPageSize, tenantDefaults.listPageSizeMax);
      return listTenantPage(
        ctx.pool,
        { blueprint: request.blueprint, clusterIds: request.clusterId ? [request.clusterId] : [], labels: request.labels },
        pageSize,
        request.pageToken,
      );
    }),
    listTenantEvents: unaryHandler('ListTenantEvents', log, async (request) => ({
      events: await listTenantEvents(ctx.pool, request.tenantId, request.rolloutId, request.limit || 1000),
    })),
  }, tenantServiceValidators({ controlDatabase: ctx.controlDatabase }));
}
