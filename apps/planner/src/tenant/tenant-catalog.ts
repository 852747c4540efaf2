import type pg from 'pg';
import type { ConnectionTarget } from '@fleetshift/contracts';
import { introspect, type Catalog } from '@fleetshift/schema';
import { NotFoundError } from '../request-errors.js';
import { describeTarget } from './tenant-target.js';
import { withTenantSession } from './tenant-session.js';

/**
 * The tenant's live catalog: the whole database, or with `target.schema` that one schema (which must
 * exist: NOT_FOUND otherwise).
 */
export function introspectTenant(target: ConnectionTarget, connectTimeoutMs: number): Promise<Catalog> {
  return withTenantSession(target, connectTimeoutMs, async (client) => {
    if (target.schema) await requireSchema(client, target);
    return introspect(client, { schema: target.schema || undefined });
  });
}

async function requireSchema(client: pg.Client, target: ConnectionTarget): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [target.schema]);
  if (!rowCount) throw new NotFoundError(`tenant ${describeTarget(target)}: the schema does not exist`);
}
