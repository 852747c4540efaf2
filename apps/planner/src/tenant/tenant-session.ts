import pg from 'pg';
import type { ConnectionTarget } from '@fleetshift/contracts';
import { connectionFailureReason, isConnectionFailure, PasswordSourceError, targetConnectionConfig } from '@fleetshift/tenant-connection';
import { PreconditionError } from '@fleetshift/telemetry';
import { TenantUnreachableError } from '../request-errors.js';
import { describeTarget } from './tenant-target.js';

/**
 * Runs `work` with a session on the tenant database and closes it. A tenant that cannot be reached, or
 * drops the session, raises TenantUnreachableError naming host:port/database (never the password); a
 * password_env / password_file the planner cannot read is a PreconditionError of its deployment.
 */
export async function withTenantSession<T>(
  target: ConnectionTarget,
  connectTimeoutMs: number,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(sessionConfig(target, connectTimeoutMs));
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

function sessionConfig(target: ConnectionTarget, connectTimeoutMs: number): pg.ClientConfig {
  try {
    return targetConnectionConfig(target, { applicationName: 'fleetshift-planner', connectTimeoutMs });
  } catch (error) {
    if (error instanceof PasswordSourceError) throw new PreconditionError(`${error.message} (read by the planner)`, { cause: error });
    throw error;
  }
}
