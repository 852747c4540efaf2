/**
 * Errors a handler throws on purpose; unary-handler.ts maps each to its gRPC status. Messages name what
 * is wrong and where, and never carry a password or a DSN with its password.
 */

/** The request itself is wrong (missing field, bad value): INVALID_ARGUMENT. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** The request is fine but the planner cannot serve it in its current setup: FAILED_PRECONDITION. */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}

/** Something the request names does not exist (a blueprint, a schema version): NOT_FOUND. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A tenant database cannot be reached or refuses the session: UNAVAILABLE, naming host:port/database. */
export class TenantUnreachableError extends Error {
  override readonly name = 'TenantUnreachableError';
}
