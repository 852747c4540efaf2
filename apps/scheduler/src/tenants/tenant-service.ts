import { validatedService } from '@fleetshift/telemetry/request-fields';
import { tenantServiceValidators } from '../request-validation.js';
import type { TenantServiceServer } from '@fleetshift/contracts';
import { getTenant, listClusters, listTenantEvents, listTenantPage } from '@fleetshift/control-store';
import { decodePageToken, encodePageToken, NotFoundError, pageOf, pageSizeOf, pageSizes, unaryHandler } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';
import { tenantDefaults } from '../defaults.js';
import type { Provisioner } from './provision-tenant.js';
import { registerCluster } from './register-cluster.js';
import { registerTenant } from './register-tenant.js';

export function tenantService(ctx: SchedulerContext, provisioner: Provisioner): TenantServiceServer {
  const log = ctx.logger;
  return validatedService<TenantServiceServer>({
    registerCluster: unaryHandler('RegisterCluster', log, async (request) => ({ cluster: await registerCluster(ctx, request) })),
    listClusters: unaryHandler('ListClusters', log, async (request) => {
      const after = decodePageToken('ListClusters', {}, request.pageToken, ['s']);
      const size = pageSizeOf(request);
      const rows = await listClusters(ctx.pool, { after: after?.[0] as string | undefined, limit: size + 1 });
      const page = pageOf(rows, size, 'ListClusters', {}, (cluster) => [cluster.id]);
      return { clusters: page.items, nextPageToken: page.nextPageToken };
    }),
    registerTenant: unaryHandler('RegisterTenant', log, async (request) => ({ tenant: await registerTenant(ctx, provisioner, request) })),
    getTenant: unaryHandler('GetTenant', log, async (request) => {
      const tenant = await getTenant(ctx.pool, request.tenantId);
      if (!tenant) throw new NotFoundError(`tenant ${request.tenantId} is not registered`);
      return { tenant };
    }),
    listTenants: unaryHandler('ListTenants', log, async (request) => {
      const filter = { blueprint: request.blueprint, clusterIds: request.clusterId ? [request.clusterId] : [], labels: request.labels };
      const after = decodePageToken('ListTenants', filter, request.pageToken, ['s']);
      const page = await listTenantPage(ctx.pool, filter, pageSizeOf(request, tenantDefaults.listPageSize), (after?.[0] as string | undefined) ?? '');
      return { ...page, nextPageToken: page.nextPageToken && encodePageToken('ListTenants', filter, [page.nextPageToken]) };
    }),
    listTenantEvents: unaryHandler('ListTenantEvents', log, async (request) => {
      const filter = { tenantId: request.tenantId, rolloutId: request.rolloutId };
      const after = decodePageToken('ListTenantEvents', filter, request.pageToken, ['n']);
      const size = pageSizeOf(request, pageSizes.max);
      const rows = await listTenantEvents(ctx.pool, request.tenantId, request.rolloutId, size + 1, (after?.[0] as number | undefined) ?? 0);
      const page = pageOf(rows, size, 'ListTenantEvents', filter, (event) => [event.id]);
      return { events: page.items, nextPageToken: page.nextPageToken };
    }),
  }, tenantServiceValidators({ controlDatabase: ctx.controlDatabase }));
}
