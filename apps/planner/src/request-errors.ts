import { UnavailableError } from '@fleetshift/telemetry';

/**
 * The planner's own request error; the others (InvalidRequestError, PreconditionError, NotFoundError)
 * are @fleetshift/telemetry's, mapped to their gRPC status there.
 */

/** A tenant database cannot be reached or refuses the session: UNAVAILABLE, naming host:port/database. */
export class TenantUnreachableError extends UnavailableError {
  override readonly name: string = 'TenantUnreachableError';
}
