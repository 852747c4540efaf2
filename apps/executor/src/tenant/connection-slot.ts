import type { ConnectionTarget } from '@fleetshift/contracts';
import { defaultSessionSafety, type SessionSafety } from '@fleetshift/tenant-connection';
import { closeTenantConnection, databaseKey, openTenantConnection, type TenantConnection } from './tenant-connection.js';

/**
 * One worker's single connection: reused for the next tenant in the same database (schema isolation:
 * one connection serves many tenants, search_path set per tenant), replaced when the database changes.
 * A batch has as many slots as its connection share, so connections never exceed it.
 */
export class ConnectionSlot {
  #connection?: TenantConnection;

  constructor(
    private readonly applicationName: string,
    private readonly connectTimeoutMs: number,
    private readonly onConnection?: (reused: boolean) => void,
    private readonly safety: SessionSafety = defaultSessionSafety,
  ) {}

  async acquire(target: ConnectionTarget): Promise<TenantConnection> {
    const key = databaseKey(target);
    if (this.#connection && this.#connection.key === key && this.#connection.healthy) {
      this.onConnection?.(true);
      return this.#connection;
    }
    await this.close();
    this.#connection = await openTenantConnection(target, this.applicationName, this.connectTimeoutMs, this.safety);
    this.onConnection?.(false);
    return this.#connection;
  }

  /** The open connection, if any (for measurements). */
  get current(): TenantConnection | undefined {
    return this.#connection;
  }

  /** Drops a connection that failed (it is never reused). */
  async discard(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) await closeTenantConnection(connection);
  }
}
