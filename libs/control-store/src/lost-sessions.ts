import type pg from 'pg';

/**
 * A session that ends under a pool emits 'error' on its client. The pool listens on idle clients only
 * (its own 'error' event); a client checked out (in a transaction, or between two statements) has no
 * listener, so the error became an uncaught exception and the process exited on a database restart.
 * Every client gets a listener of its own for its whole life: the error is reported here, and the
 * statement in progress, or the next one, fails with it (the pool drops the client on release).
 */
export function reportLostSessions(pool: pg.Pool, report: (error: Error) => void = () => undefined): void {
  pool.on('error', (error) => report(error)); // idle clients
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      // The pool's own listener reports an idle client's error: report a checked-out client's only.
      if (client.listeners('error').length === 1) report(error);
    });
  });
}
