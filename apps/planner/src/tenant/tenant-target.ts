import type { ConnectionTarget } from '@fleetshift/contracts';
import { connectionDefaults } from '@fleetshift/tenant-connection';
import { InvalidRequestError } from '@fleetshift/telemetry';

/**
 * A tenant as the planner's answers and logs name it: "host:port/database", plus " schema s" for
 * schema-per-tenant (shorter than @fleetshift/tenant-connection's describeTarget URL: callers match on it).
 * Never a password.
 */
export function describeTarget(target: ConnectionTarget): string {
  const base = `${target.host}:${target.port || connectionDefaults.port}/${target.database}`;
  return target.schema ? `${base} schema ${target.schema}` : base;
}

/** The ConnectionTarget of a request, checked: host and database are required. */
export function requireTarget(target: ConnectionTarget | undefined, field: string): ConnectionTarget {
  if (!target) throw new InvalidRequestError(`${field} is required`);
  if (!target.host) throw new InvalidRequestError(`${field}.host is required`);
  if (!target.database) throw new InvalidRequestError(`${field}.database is required`);
  if (target.port > 65535) throw new InvalidRequestError(`${field}.port ${target.port} is not a port number`);
  return target;
}
