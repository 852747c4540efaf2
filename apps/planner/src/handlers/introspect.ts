import type { IntrospectRequest, IntrospectResponse } from '@fleetshift/contracts';
import { canonicalJson, fingerprint, summarizeCatalog } from '@fleetshift/schema';
import type { PlannerDeps } from '../planner-deps.js';
import { introspectTenant } from '../tenant/tenant-catalog.js';
import { requireTarget } from '../tenant/tenant-target.js';

/** Introspect: a tenant's normalized catalog (canonical JSON) and its fingerprint. */
export function introspectHandler(deps: PlannerDeps): (request: IntrospectRequest) => Promise<IntrospectResponse> {
  return async (request) => {
    const catalog = await introspectTenant(requireTarget(request.tenant, 'tenant'), deps.tenantConnectTimeoutMs);
    const { tables, indexes } = summarizeCatalog(catalog);
    return { fingerprint: fingerprint(catalog), catalogJson: canonicalJson(catalog), tables, indexes };
  };
}
