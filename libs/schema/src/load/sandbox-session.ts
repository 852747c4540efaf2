import type pg from 'pg';
import { SandboxTimeoutError } from './sandbox-errors.js';

/** How long a cancelled statement may take to end before its backend is terminated. */
const TERMINATE_AFTER_MS = 1_000;

/** Watches one sandbox session; `stopped` is why it was stopped (the caller's abort, or its time bound). */
export interface SessionGuard {
  readonly stopped: unknown;
  dispose(): void;
}

/**
 * Bounds a sandbox session from outside: when `signal` aborts or `timeoutMs` passes, the statement
 * running on `session` is cancelled (pg_cancel_backend from the privileged connection), then, if its
 * backend is still there a second later, the backend is terminated — a PL/pgSQL handler can catch a
 * cancel (`EXCEPTION WHEN query_canceled`), not a termination. From then on every query the session
 * is asked to run fails at once with the reason, so a caller's retry loop cannot start it again.
 */
export function guardSession(admin: pg.ClientBase, session: pg.Client, opts: { timeoutMs: number; signal?: AbortSignal }): SessionGuard {
  const pid = (session as unknown as { processID: number }).processID;
  let stopped: unknown;
  let disposed = false;
  const timers: NodeJS.Timeout[] = [];
  const signalBackend = (fn: 'pg_cancel_backend' | 'pg_terminate_backend') => {
    if (!disposed) void admin.query(`SELECT ${fn}($1)`, [pid]).catch(() => undefined);
  };
  const stop = (reason: unknown) => {
    if (stopped !== undefined || disposed) return;
    stopped = reason;
    signalBackend('pg_cancel_backend');
    timers.push(setTimeout(() => signalBackend('pg_terminate_backend'), TERMINATE_AFTER_MS));
  };
  const onAbort = () => stop(opts.signal?.reason ?? new Error('cancelled'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  timers.push(setTimeout(() => stop(new SandboxTimeoutError(opts.timeoutMs)), opts.timeoutMs));
  if (opts.signal?.aborted) onAbort();

  const query = session.query.bind(session) as (...args: unknown[]) => unknown;
  session.query = ((...args: unknown[]) => {
    if (stopped !== undefined) return Promise.reject(stopped);
    return query(...args);
  }) as typeof session.query;

  return {
    get stopped() {
      return stopped;
    },
    dispose() {
      disposed = true;
      for (const timer of timers) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
}
