import net from 'node:net';
import pg from 'pg';
import type { ConnectionTarget } from '@fleetshift/contracts';
import {
  applySessionSafety,
  connectFailedError,
  defaultSessionSafety,
  describeTarget,
  sessionSafetyConfig,
  targetConnectionConfig,
  targetEndpoint,
  type SessionSafety,
} from '@fleetshift/tenant-connection';

/** application_name of every executor connection: counted in pg_stat_activity for the budget. */
export function executorApplicationName(executorId: string): string {
  return `fleetshift-executor:${executorId}`.slice(0, 63);
}

/** The key of the database a target lives in: connections are reusable between targets with the same key. */
export function databaseKey(target: ConnectionTarget): string {
  return `${target.host}|${target.port}|${target.user}|${target.database}|${target.passwordEnv}|${target.passwordFile}|${target.sslmode}|${target.sslRootCertFile}`;
}

/** A connection to a tenant database, tagged with the database it serves. */
export interface TenantConnection {
  client: pg.Client;
  key: string;
  /** Server process id and cancel key, for a protocol-level cancel request. */
  processId: number;
  secretKey: number;
  host: string;
  port: number;
  /** False once the connection failed; it is then closed and never reused. */
  healthy: boolean;
  /** The SQLSTATE the server ended the session with, when it did (e.g. 25P03: idle in transaction too long). */
  endedWith?: string;
}

/**
 * SQLSTATEs of a session the server ended because its client went quiet (idle_in_transaction_session_timeout,
 * idle_session_timeout): this process stalled or froze (SIGSTOP) and its batch has been redelivered since.
 * What the session had done in its transaction was rolled back; the tenant is not failed for it but goes
 * back to the queue, and whoever runs it next finds it where the ledger says.
 */
const endedForIdling = new Set(['25P03', '57P05']);

export function sessionEndedForIdling(connection: TenantConnection, error?: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  if (code && endedForIdling.has(code)) return true;
  return !connection.healthy && connection.endedWith !== undefined && endedForIdling.has(connection.endedWith);
}

/**
 * SQLSTATEs (and socket errors) of a session that ended under the run for a reason outside the tenant:
 * terminated by an administrator (pg_terminate_backend, 57P01), a server shutting down or restarting
 * (57P02, 57P03), a broken connection (08xxx, reset, timeout).
 */
const endedUnderTheRun = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * True when the step failed because the session was lost, not because of anything in the tenant: the
 * server rolled back the unit in hand with the session, the units before it are recorded in the ledger
 * (plan_progress), so the tenant goes back to the queue and the next run resumes there on a new session.
 * Failing it instead would leave it part-way through its plan, with nothing to finish it.
 */
export function sessionLost(connection: TenantConnection, error?: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  if (code && endedUnderTheRun.has(code)) return true;
  return !connection.healthy;
}

/**
 * Opens a connection; the error names the target (without password) and the root cause, keeping its code.
 * Every session gets the session-safety settings before it is used: should this process freeze
 * (SIGSTOP) or lose the network mid-step, the server ends the session and releases its locks.
 */
export async function openTenantConnection(
  target: ConnectionTarget,
  applicationName: string,
  connectTimeoutMs: number,
  safety: SessionSafety = defaultSessionSafety,
): Promise<TenantConnection> {
  const { host, port } = targetEndpoint(target);
  const client = new pg.Client({ ...targetConnectionConfig(target, { applicationName, connectTimeoutMs }), ...sessionSafetyConfig(safety) });
  const connection: TenantConnection = {
    client,
    key: databaseKey(target),
    processId: 0,
    secretKey: 0,
    host,
    port,
    healthy: true,
  };
  client.on('error', (error: Error & { code?: string }) => {
    connection.healthy = false;
    connection.endedWith ??= error.code;
  });
  // A session the server ends while no query runs (pg_terminate_backend between two statements) only
  // closes the socket: without this the dead client would be reused for the next tenant.
  client.on('end', () => {
    connection.healthy = false;
  });
  try {
    await client.connect();
    await applySessionSafety(client, safety);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectFailedError(describeTarget(target), error);
  }
  const internals = client as unknown as { processID: number; secretKey: number };
  connection.processId = internals.processID;
  connection.secretKey = internals.secretKey;
  return connection;
}

export async function closeTenantConnection(connection: TenantConnection): Promise<void> {
  await connection.client.end().catch(() => undefined);
}

/**
 * Cancels the statement running on a connection with the protocol's CancelRequest (what psql's ^C
 * sends): a short-lived socket, not a session, so it costs nothing against the connection budget.
 */
export function sendCancelRequest(connection: TenantConnection): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: connection.host, port: connection.port });
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(80877102, 4);
    packet.writeInt32BE(connection.processId, 8);
    packet.writeInt32BE(connection.secretKey, 12);
    socket.once('connect', () => socket.end(packet));
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
    socket.setTimeout(5_000, () => socket.destroy());
  });
}
