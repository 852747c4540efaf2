import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@fleetshift/telemetry';
import { AlreadyExistsError, InvalidRequestError, NotFoundError, PreconditionError, UnavailableError } from './request-errors.js';

interface Failure {
  code: grpc.status;
  details: string;
  internal: boolean;
}

/** The gRPC status of an error: our request errors by class, a planner ServiceError passed through. */
export function statusOf(error: unknown): Failure {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof InvalidRequestError) return { code: grpc.status.INVALID_ARGUMENT, details: message, internal: false };
  if (error instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details: message, internal: false };
  if (error instanceof PreconditionError) return { code: grpc.status.FAILED_PRECONDITION, details: message, internal: false };
  if (error instanceof AlreadyExistsError) return { code: grpc.status.ALREADY_EXISTS, details: message, internal: false };
  if (error instanceof UnavailableError) return { code: grpc.status.UNAVAILABLE, details: message, internal: false };
  return { code: grpc.status.INTERNAL, details: message, internal: true };
}

/** A gRPC unary handler from a plain async function of the request. */
export function unaryHandler<Req, Res>(method: string, logger: Logger, handle: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handle(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const failure = statusOf(error);
        if (failure.internal) logger.error({ err: error, method }, 'request failed');
        else logger.info({ method, code: grpc.status[failure.code], reason: failure.details }, 'request refused');
        callback({ code: failure.code, details: failure.details });
      },
    );
  };
}
