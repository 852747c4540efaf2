import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { unaryHandler, type RequestStatus } from '@fleetshift/telemetry';

/** The call ended before its answer: the client cancelled it or its deadline passed. */
export class CallCancelledError extends Error {
  override readonly name: string = 'CallCancelledError';
}

/**
 * unaryHandler for work worth stopping: `handle` also gets an AbortSignal that aborts when the client
 * cancels the call, or when its deadline passes (grpc-js answers DEADLINE_EXCEEDED itself, but the
 * handler would go on working). The planner passes it to the scratch load and the plan replay, which
 * cancel the statement they run: nobody waits for that answer any more.
 */
export function cancellableUnaryHandler<Req, Res>(
  method: string,
  logger: Logger,
  handle: (request: Req, signal: AbortSignal) => Promise<Res>,
  statusOf: (error: unknown) => RequestStatus,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const controller = new AbortController();
    const abort = (why: string) => {
      if (!controller.signal.aborted) controller.abort(new CallCancelledError(`${method}: ${why}`));
    };
    const onCancelled = () => abort('the call was cancelled');
    call.once('cancelled', onCancelled);
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
    const timer = Number.isFinite(deadlineMs) ? setTimeout(() => abort('the call passed its deadline'), Math.max(0, deadlineMs - Date.now())) : undefined;
    const finish: grpc.sendUnaryData<Res> = (error, value) => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
      if (error) callback(error);
      else callback(null, value);
    };
    unaryHandler(method, logger, (request: Req) => handle(request, controller.signal), statusOf)(call, finish);
  };
}
