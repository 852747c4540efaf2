import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopbackHost } from '@fleetshift/telemetry';

/** The header every state-changing request carries: a page of another site cannot send it without CORS. */
export const actionHeader = 'x-fleetshift-console';

export interface GuardSettings {
  /** The console's bind address. */
  bindHost: string;
  /** FLEETSHIFT_API_TOKEN: every /api request but /api/config needs `authorization: Bearer <it>`. */
  apiToken?: string;
}

export type Refusal = { status: 401 | 403 | 421; message: string };

/**
 * Why an /api request must be refused, or undefined when it may go on.
 * - Bound to loopback, the Host header must name a loopback host too: a page of another site that
 *   rebinds its DNS name to 127.0.0.1 sends its own name, and is refused (421).
 * - With a token, `authorization: Bearer <token>`, compared in constant time (401).
 * - A POST must carry the action header (403): without a token, a form of another site could otherwise
 *   post to a console on loopback, and a custom header cannot be sent cross-site without a CORS
 *   preflight, which the console never answers.
 */
export function refusalOf(method: string, headers: IncomingHttpHeaders, settings: GuardSettings): Refusal | undefined {
  if (isLoopbackHost(settings.bindHost) && !isLoopbackHost(hostName(headers.host ?? ''))) {
    return { status: 421, message: 'this console answers only to a loopback host name (127.0.0.1, localhost, [::1])' };
  }
  if (settings.apiToken && !bearerMatches(headers.authorization, settings.apiToken)) {
    return { status: 401, message: 'missing or wrong bearer token (send "authorization: Bearer <FLEETSHIFT_API_TOKEN>")' };
  }
  if (method === 'POST' && headers[actionHeader] !== '1') {
    return { status: 403, message: `a console action needs the header ${actionHeader}: 1` };
  }
  return undefined;
}

/** The host of a Host header value (`127.0.0.1:8080` → `127.0.0.1`, `[::1]:8080` → `::1`). */
export function hostName(hostHeader: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1];
  return hostHeader.replace(/:\d+$/, '');
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  return timingSafeEqual(digest(match[1]), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
