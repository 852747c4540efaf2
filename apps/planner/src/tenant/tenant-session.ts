import pg from 'pg';
import type { ConnectionTarget } from '@fleetshift/contracts';
import { TenantUnreachableError } from '../request-errors.js';
import { connectionFailureReason, isConnectionFailure } from './connection-failure.js';
import { tenantPassword } from './tenant-password.js';
import { defaultTenantPort, describeTarget } from './tenant-target.js';

/**
 * Runs `work` with a session on the tenant database and closes it. A tenant that cannot be reached, or
 * drops the session, raises TenantUnreachableError naming host:port/database (never the password).
 */
export async function withTenantSession<T>(
  target: ConnectionTarget,
  connectTimeoutMs: number,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: target.host,
    port: target.port || defaultTenantPort,
    user: target.user || undefined,
    database: target.database,
    password: await tenantPassword(target),
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'fleetshift-planner',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    if (isConnectionFailure(error)) {
      throw new TenantUnreachableError(`tenant ${describeTarget(target)} is unreachable: ${connectionFailureReason(error)}`);
    }
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
