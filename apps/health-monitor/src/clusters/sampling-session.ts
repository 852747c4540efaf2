import pg from 'pg';
import { tlsOptions } from '@fleetshift/tenant-connection';
import { clusterPassword } from './cluster-password.js';
import type { ClusterSpec } from './cluster-spec.js';

/** application_name of the monitor's sessions (excluded from the signals it samples). */
export const samplingApplicationName = 'fleetshift-health-monitor';

/**
 * The one connection the monitor keeps to a cluster, opened on first use and reopened after a failure.
 * Every statement is bounded by `timeoutMs` (the sample interval) so that a stuck cluster cannot stall
 * the sampling.
 */
export class SamplingSession {
  #client: pg.Client | undefined;

  constructor(
    private readonly spec: ClusterSpec,
    private readonly timeoutMs: number,
  ) {}

  /** Runs `work` on the connection; on an error the connection is dropped and reopened next time. */
  async use<T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const client = this.#client ?? (await this.#connect());
    try {
      return await work(client);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      host: this.spec.host,
      port: this.spec.port,
      user: this.spec.user,
      database: this.spec.database,
      password: await clusterPassword(this.spec),
      ssl: tlsOptions(this.spec, `cluster ${this.spec.id}`),
      application_name: samplingApplicationName,
      connectionTimeoutMillis: Math.max(this.timeoutMs, 1000),
      statement_timeout: this.timeoutMs,
    });
    client.on('error', () => {
      // A broken connection surfaces on the next query; drop it so the next sample reconnects.
      if (this.#client === client) this.#client = undefined;
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new Error(`cluster ${this.spec.id}: cannot connect to ${this.spec.host}:${this.spec.port}: ${(error as Error).message}`);
    }
    this.#client = client;
    return client;
  }
}
