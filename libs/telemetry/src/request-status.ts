import * as grpc from '@grpc/grpc-js';
import { AlreadyExistsError, InvalidRequestError, NotFoundError, PermissionDeniedError, PreconditionError, UnavailableError } from './request-errors.js';

/** A failure as gRPC answers it. */
export interface RequestStatus {
  code: grpc.status;
  details: string;
  /** False for failures the caller caused (bad input, missing thing, unreachable dependency); true for the service's own. */
  internal: boolean;
}

/**
 * The gRPC status of a request error (request-errors.ts) by its class, undefined for any other error —
 * so that a service can map its own errors first and fall back to INTERNAL in its own words.
 */
export function requestErrorStatus(error: unknown): RequestStatus | undefined {
  if (!(error instanceof Error)) return undefined;
  const refused = (code: grpc.status): RequestStatus => ({ code, details: error.message, internal: false });
  if (error instanceof InvalidRequestError) return refused(grpc.status.INVALID_ARGUMENT);
  if (error instanceof NotFoundError) return refused(grpc.status.NOT_FOUND);
  if (error instanceof PreconditionError) return refused(grpc.status.FAILED_PRECONDITION);
  if (error instanceof PermissionDeniedError) return refused(grpc.status.PERMISSION_DENIED);
  if (error instanceof AlreadyExistsError) return refused(grpc.status.ALREADY_EXISTS);
  if (error instanceof UnavailableError) return refused(grpc.status.UNAVAILABLE);
  return undefined;
}

/** The gRPC status of anything a handler threw: a request error by its class, anything else INTERNAL with its message. */
export function requestStatus(error: unknown): RequestStatus {
  return requestErrorStatus(error) ?? { code: grpc.status.INTERNAL, details: (error as Error)?.message ?? String(error), internal: true };
}
