import * as grpc from '@grpc/grpc-js';
import { LintSyntaxError, SandboxTimeoutError, SchemaInputError, UnsupportedChangeError } from '@fleetshift/schema';
import { CallCancelledError } from './cancellable-unary.js';
import { requestErrorStatus, type RequestStatus } from '@fleetshift/telemetry';

/**
 * Maps what a handler threw to its gRPC status: bad schema input (file:line:column: message, including
 * lint's syntax errors) → INVALID_ARGUMENT, a change the planner has no safe recipe for →
 * FAILED_PRECONDITION, the request errors of @fleetshift/telemetry by their class (bad request →
 * INVALID_ARGUMENT, unreachable tenant → UNAVAILABLE, missing setup → FAILED_PRECONDITION, unknown names →
 * NOT_FOUND); anything else is the planner's fault → INTERNAL with the error's message.
 */
export function statusOf(error: unknown): RequestStatus {
  if (error instanceof SchemaInputError || error instanceof LintSyntaxError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message, internal: false };
  }
  // The sandbox stopped the text's scratch session at its bound: the text's doing, like a statement_timeout.
  if (error instanceof SandboxTimeoutError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message, internal: false };
  }
  // Nobody is waiting for the answer (cancelled, or past its deadline): the work was stopped on purpose.
  if (error instanceof CallCancelledError) {
    return { code: grpc.status.CANCELLED, details: error.message, internal: false };
  }
  if (error instanceof UnsupportedChangeError) {
    return { code: grpc.status.FAILED_PRECONDITION, details: `no safe plan: ${error.message}`, internal: false };
  }
  const known = requestErrorStatus(error);
  if (known) return known;
  const message = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.INTERNAL, details: `planner internal error: ${message}`, internal: true };
}
