import type { ConnectionTarget } from '@fleetshift/contracts';
import { introspect, SchemaNotFoundError, type Catalog } from '@fleetshift/schema';
import { NotFoundError } from '@fleetshift/telemetry';
import { describeTarget } from './tenant-target.js';
import { withTenantSession } from './tenant-session.js';

/**
 * The tenant's live catalog: the whole database, or with `target.schema` that one schema (which must
 * exist: NOT_FOUND otherwise).
 */
export function introspectTenant(target: ConnectionTarget, connectTimeoutMs: number): Promise<Catalog> {
  return withTenantSession(target, connectTimeoutMs, async (client) => {
    try {
      return await introspect(client, { schema: target.schema || undefined });
    } catch (error) {
      if (error instanceof SchemaNotFoundError) throw new NotFoundError(`tenant ${describeTarget(target)}: ${error.message}`, { cause: error });
      throw error;
    }
  });
}
