import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, InvalidRequestError, NotFoundError, PermissionDeniedError, PreconditionError, UnavailableError } from './request-errors.js';
import { requestErrorStatus, requestStatus } from './request-status.js';
import { unaryHandler } from './unary-handler.js';

class TenantUnreachableError extends UnavailableError {
  override readonly name: string = 'TenantUnreachableError';
}

describe('request status', () => {
  it('maps each request error to its status with its message, a subclass like its base', () => {
    const cases: Array<[Error, grpc.status]> = [
      [new InvalidRequestError('bad'), grpc.status.INVALID_ARGUMENT],
      [new NotFoundError('gone'), grpc.status.NOT_FOUND],
      [new PreconditionError('not now'), grpc.status.FAILED_PRECONDITION],
      [new AlreadyExistsError('there'), grpc.status.ALREADY_EXISTS],
      [new PermissionDeniedError('not allowed'), grpc.status.PERMISSION_DENIED],
      [new UnavailableError('down'), grpc.status.UNAVAILABLE],
      [new TenantUnreachableError('tenant down'), grpc.status.UNAVAILABLE],
    ];
    for (const [error, code] of cases) expect(requestStatus(error)).toEqual({ code, details: error.message, internal: false });
    expect(new TenantUnreachableError('x').name).toBe('TenantUnreachableError');
  });

  it('anything else is INTERNAL for requestStatus and unknown to requestErrorStatus', () => {
    expect(requestStatus(new Error('boom'))).toEqual({ code: grpc.status.INTERNAL, details: 'boom', internal: true });
    expect(requestErrorStatus(new Error('boom'))).toBeUndefined();
    expect(requestErrorStatus('text')).toBeUndefined();
  });

  it('unaryHandler answers the response, or the status of what was thrown (a service mapping first)', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const call = (handler: grpc.handleUnaryCall<string, string>, request: string) =>
      new Promise<{ error: grpc.ServiceError | null; response?: string }>((resolve) => {
        handler({ request } as grpc.ServerUnaryCall<string, string>, (error, response) =>
          resolve({ error: error as grpc.ServiceError | null, response: response ?? undefined }),
        );
      });
    const handle = async (request: string) => {
      if (request === 'missing') throw new NotFoundError('no such thing');
      if (request === 'broken') throw new Error('internal trouble');
      return `ok ${request}`;
    };
    const handler = unaryHandler('Get', logger, handle);
    expect(await call(handler, 'a')).toEqual({ error: null, response: 'ok a' });
    expect((await call(handler, 'missing')).error).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
    expect((await call(handler, 'broken')).error).toMatchObject({ code: grpc.status.INTERNAL, details: 'internal trouble' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request refused', method: 'Get', code: 'NOT_FOUND', reason: 'no such thing' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request failed', method: 'Get' }));
    const mapped = unaryHandler('Get', logger, handle, (error) => ({ code: grpc.status.ABORTED, details: `mapped: ${(error as Error).message}`, internal: false }));
    expect((await call(mapped, 'broken')).error).toMatchObject({ code: grpc.status.ABORTED, details: 'mapped: internal trouble' });
  });
});
