import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

/** Health checks stay open so that orchestrators can probe a service without the token. */
const openServicePrefix = '/grpc.health.v1.Health/';

/**
 * A server interceptor that requires `authorization: Bearer <token>` on every call except health
 * checks, compared in constant time, answering UNAUTHENTICATED otherwise.
 */
export function bearerAuthInterceptor(token: string): grpc.ServerInterceptor {
  const expected = digest(token);
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, forward) => {
            if (method.path.startsWith(openServicePrefix) || presentedTokenMatches(metadata, expected)) {
              forward(metadata);
              return;
            }
            call.sendStatus({
              code: grpc.status.UNAUTHENTICATED,
              details: 'missing or wrong bearer token (send "authorization: Bearer <FLEETSHIFT_API_TOKEN>")',
            });
          },
        });
      },
    });
}

function presentedTokenMatches(metadata: grpc.Metadata, expected: Buffer): boolean {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string') return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  return timingSafeEqual(digest(match[1]), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
