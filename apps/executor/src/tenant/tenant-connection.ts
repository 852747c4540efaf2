import net from 'node:net';
import pg from 'pg';
import type { ConnectionTarget } from '@fleetshift/contracts';
import { connectFailedError, describeTarget, targetConnectionConfig, targetEndpoint } from '@fleetshift/tenant-connection';

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
}

/** Opens a connection; the error names the target (without password) and the root cause, keeping its code. */
export async function openTenantConnection(
  target: ConnectionTarget,
  applicationName: string,
  connectTimeoutMs: number,
): Promise<TenantConnection> {
  const { host, port } = targetEndpoint(target);
  const client = new pg.Client(targetConnectionConfig(target, { applicationName, connectTimeoutMs }));
  const connection: TenantConnection = {
    client,
    key: databaseKey(target),
    processId: 0,
    secretKey: 0,
    host,
    port,
    healthy: true,
  };
  client.on('error', () => {
    connection.healthy = false;
  });
  try {
    await client.connect();
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
