/**
 * Errors a handler throws on purpose; unary-handler.ts maps each to its gRPC status. Messages say what
 * is wrong and for which tenant / rollout, and never carry a password.
 */

/** The request itself is wrong: INVALID_ARGUMENT. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** Something the request names does not exist: NOT_FOUND. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request is fine but the current state refuses it (an active rollout, hazards): FAILED_PRECONDITION. */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}

/** The thing exists already at another place: ALREADY_EXISTS. */
export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
}

/** A dependency (planner, tenant database) cannot be reached: UNAVAILABLE. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}
