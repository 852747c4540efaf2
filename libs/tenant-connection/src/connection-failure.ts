const networkCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

/**
 * True when an error from `pg` means the server could not be reached or refused the session
 * (network errors, SQLSTATE class 08 connection exception, 28 invalid authorization, 3D000 no such
 * database, connect timeout), also when wrapped as another error's `cause` — as opposed to an error
 * inside a working session.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (networkCodes.has(code) || code.startsWith('08') || code.startsWith('28') || code === '3D000') return true;
  }
  if (error instanceof AggregateError && error.errors.some(isConnectionFailure)) return true;
  if (/timeout expired|Connection terminated/i.test(error.message)) return true;
  return error.cause !== undefined && isConnectionFailure(error.cause);
}

/**
 * The root reason of a connection failure, for a one-line message: the innermost `cause` (callers add
 * their own context), the first of an AggregateError (whose own message is empty).
 */
export function connectionFailureReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return connectionFailureReason(error.errors[0]);
  if (error instanceof Error && error.cause instanceof Error) return connectionFailureReason(error.cause);
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}

/**
 * A failed connect as one line — `cannot connect to <described endpoint>: <root reason>` — keeping the
 * root error's `code` (SQLSTATE or errno) and the error as `cause`. `described` comes from
 * describeTarget / describeClusterDatabase, so no password is in it.
 */
export function connectFailedError(described: string, error: unknown): Error & { code?: string } {
  return Object.assign(new Error(`cannot connect to ${described}: ${connectionFailureReason(error)}`, { cause: error }), {
    code: rootCode(error),
  });
}

function rootCode(error: unknown): string | undefined {
  if (error instanceof AggregateError && error.errors.length > 0) return rootCode(error.errors[0]);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error && error.cause !== undefined ? rootCode(error.cause) : undefined;
}
