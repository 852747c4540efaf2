/**
 * Errors a gRPC handler throws on purpose; requestStatus (request-status.ts) maps each to its gRPC
 * status. Messages name what is wrong and where (tenant, rollout, host:port/database), and never carry a
 * password or a DSN with its password. A service may subclass one for a more specific name (the planner's
 * TenantUnreachableError is an UnavailableError).
 */

/** The request itself is wrong (missing field, bad value): INVALID_ARGUMENT. */
export class InvalidRequestError extends Error {
  override readonly name: string = 'InvalidRequestError';
}

/** Something the request names does not exist (a blueprint, a schema version, a rollout): NOT_FOUND. */
export class NotFoundError extends Error {
  override readonly name: string = 'NotFoundError';
}

/**
 * The request is fine but the service cannot serve it in its current setup or state (a secret it cannot
 * read, an active rollout, refused hazards): FAILED_PRECONDITION.
 */
export class PreconditionError extends Error {
  override readonly name: string = 'PreconditionError';
}

/**
 * The request names something the service's operator has not allowed it to use (a password variable
 * outside the allowed prefix, a file outside the secrets directory): PERMISSION_DENIED. The message names
 * the field and the rule, never a secret.
 */
export class PermissionDeniedError extends Error {
  override readonly name: string = 'PermissionDeniedError';
}

/** The thing exists already at another place: ALREADY_EXISTS. */
export class AlreadyExistsError extends Error {
  override readonly name: string = 'AlreadyExistsError';
}

/** A dependency (another service, a tenant database) cannot be reached: UNAVAILABLE. */
export class UnavailableError extends Error {
  override readonly name: string = 'UnavailableError';
}
