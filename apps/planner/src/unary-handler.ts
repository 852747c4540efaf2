import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { statusOf } from './grpc-status.js';

/**
 * A gRPC unary handler from a plain async function of the request: the result is the response, a throw
 * becomes the mapped status (grpc-status.ts). The planner's own failures are logged with their stack;
 * the caller's (bad input, unreachable tenant) at info level.
 */
export function unaryHandler<Req, Res>(
  method: string,
  logger: Logger,
  handle: (request: Req) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handle(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const failure = statusOf(error);
        if (failure.internal) logger.error({ err: error, method }, 'request failed');
        else logger.info({ method, code: failure.code, reason: failure.details }, 'request refused');
        callback({ code: failure.code, details: failure.details });
      },
    );
  };
}
