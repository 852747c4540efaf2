import type pg from 'pg';

/**
 * What lets the server end a session whose client froze (SIGSTOP, a stuck event loop) or vanished behind a
 * network partition, so that the locks the session holds — an ACCESS EXCLUSIVE of a DDL in flight, a
 * session advisory lock — do not outlive the client by more than these bounds.
 */
export interface SessionSafety {
  /**
   * idle_in_transaction_session_timeout: a session left inside a transaction without a statement for this
   * long is ended by the server, which rolls the transaction back and releases its locks.
   */
  idleInTransactionTimeoutMs: number;
  /**
   * idle_session_timeout (PostgreSQL 14+): a session idle outside a transaction for this long is ended —
   * the bound on a session-level advisory lock held by a frozen client. 0: not set. Must exceed the
   * longest time the client idles on purpose while holding its session.
   */
  idleSessionTimeoutMs: number;
  /**
   * TCP keepalive idle time, both ends: the client's socket (node-pg keepAlive) and the server's
   * (tcp_keepalives_idle), so a peer behind a partition is declared dead after about
   * idle + interval × count.
   */
  keepAliveIdleMs: number;
  keepAliveIntervalMs: number;
  keepAliveCount: number;
  /**
   * client_connection_check_interval (PostgreSQL 14+): a running statement checks this often whether its
   * client's socket is still there and stops when it is not (rather than running to its end).
   */
  connectionCheckIntervalMs: number;
}

export const defaultSessionSafety: SessionSafety = {
  idleInTransactionTimeoutMs: 10_000,
  idleSessionTimeoutMs: 0,
  keepAliveIdleMs: 10_000,
  keepAliveIntervalMs: 5_000,
  keepAliveCount: 3,
  connectionCheckIntervalMs: 5_000,
};

/** What a session got: the server's version, and whether the PostgreSQL 14+ settings could be set. */
export interface AppliedSessionSafety {
  serverVersionNum: number;
  connectionCheck: boolean;
  idleSessionTimeout: boolean;
}

/** The first server version with client_connection_check_interval and idle_session_timeout. */
const pg14 = 140000;

/** The client side of the keepalives, for a pg.ClientConfig. */
export function sessionSafetyConfig(safety: SessionSafety): Pick<pg.ClientConfig, 'keepAlive' | 'keepAliveInitialDelayMillis'> {
  return { keepAlive: true, keepAliveInitialDelayMillis: safety.keepAliveIdleMs };
}

/**
 * The server side, on a new session, in one round trip: the settings every supported server has, and
 * those of PostgreSQL 14+ only where `server_version_num` says the server has them (an older server skips
 * them instead of failing the connection, as an unknown `-c` startup option would).
 */
export async function applySessionSafety(client: pg.ClientBase, safety: SessionSafety): Promise<AppliedSessionSafety> {
  const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;
  const { rows } = await client.query<{ version: number; connection_check: string | null; idle_session: string | null }>(
    `SELECT current_setting('server_version_num')::int AS version,
            set_config('idle_in_transaction_session_timeout', $1, false),
            set_config('tcp_keepalives_idle', $2, false),
            set_config('tcp_keepalives_interval', $3, false),
            set_config('tcp_keepalives_count', $4, false),
            CASE WHEN current_setting('server_version_num')::int >= ${pg14}
                 THEN set_config('client_connection_check_interval', $5, false) END AS connection_check,
            CASE WHEN current_setting('server_version_num')::int >= ${pg14} AND $6::int > 0
                 THEN set_config('idle_session_timeout', $7, false) END AS idle_session`,
    [
      `${milliseconds(safety.idleInTransactionTimeoutMs)}ms`,
      seconds(safety.keepAliveIdleMs),
      seconds(safety.keepAliveIntervalMs),
      String(Math.max(1, Math.trunc(safety.keepAliveCount))),
      `${milliseconds(safety.connectionCheckIntervalMs)}ms`,
      String(milliseconds(safety.idleSessionTimeoutMs)),
      `${milliseconds(safety.idleSessionTimeoutMs)}ms`,
    ],
  );
  const row = rows[0]!;
  return { serverVersionNum: row.version, connectionCheck: row.connection_check !== null, idleSessionTimeout: row.idle_session !== null };
}

function milliseconds(ms: number): number {
  return Math.max(0, Math.trunc(ms));
}
