import * as grpc from '@grpc/grpc-js';
import { LintSyntaxError, SchemaInputError, UnsupportedChangeError } from '@fleetshift/schema';
import { InvalidRequestError, NotFoundError, PreconditionError, TenantUnreachableError } from './request-errors.js';

/** A failure as gRPC answers it. */
export interface StatusFailure {
  code: grpc.status;
  details: string;
  /** False for failures the caller caused (bad input, unreachable tenant); true for the planner's own. */
  internal: boolean;
}

/**
 * Maps what a handler threw to its gRPC status: bad schema input (file:line:column: message) and bad
 * requests → INVALID_ARGUMENT, unreachable tenant → UNAVAILABLE, missing setup or a change the planner
 * has no safe recipe for → FAILED_PRECONDITION, unknown names → NOT_FOUND; anything else is the planner's
 * fault → INTERNAL with the error's message.
 */
export function statusOf(error: unknown): StatusFailure {
  if (error instanceof SchemaInputError || error instanceof LintSyntaxError || error instanceof InvalidRequestError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message, internal: false };
  }
  if (error instanceof TenantUnreachableError) return { code: grpc.status.UNAVAILABLE, details: error.message, internal: false };
  if (error instanceof UnsupportedChangeError) {
    return { code: grpc.status.FAILED_PRECONDITION, details: `no safe plan: ${error.message}`, internal: false };
  }
  if (error instanceof PreconditionError) return { code: grpc.status.FAILED_PRECONDITION, details: error.message, internal: false };
  if (error instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details: error.message, internal: false };
  const message = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.INTERNAL, details: `planner internal error: ${message}`, internal: true };
}
