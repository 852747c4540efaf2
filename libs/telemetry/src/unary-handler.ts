import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { requestStatus, type RequestStatus } from './request-status.js';

/**
 * A gRPC unary handler from a plain async function of the request: the result is the response, a throw
 * becomes its status (`statusOf`, requestStatus unless the service maps more errors). The service's own
 * failures (internal) are logged with their stack at error level; the caller's (bad input, unreachable
 * dependency) at info level, with the status name and the reason.
 */
export function unaryHandler<Req, Res>(
  method: string,
  logger: Logger,
  handle: (request: Req) => Promise<Res>,
  statusOf: (error: unknown) => RequestStatus = requestStatus,
): grpc.handleUnaryCall<Req, Res> {
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
