import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '@fleetshift/telemetry';

/**
 * The advisory lock that makes a scheduler the leader: (0x466c5374 "FlSt", 1), in the control
 * database (advisory locks are per database, so two deployments on one server do not contend).
 */
export const leaderLockKey: readonly [number, number] = [0x466c5374, 1];

export interface LeaderElectionSettings {
  /** How often the election session runs a query: the leader's heartbeat, a follower's try for the lock. */
  heartbeatMs: number;
  /**
   * The server ends the election session after this long without a query (`idle_session_timeout`),
   * which releases the lock: a frozen (SIGSTOP) or cut-off leader loses the leadership within this
   * bound, and a follower takes it at its next try. At least 4 heartbeats.
   */
  sessionTimeoutMs: number;
}

export interface LeadershipHandlers {
  /** Called when this replica becomes the leader; the leadership is held while it runs. */
  elected(): Promise<void>;
  /** Called when it stops being the leader (session lost, heartbeat failed, stop()). */
  deposed(reason: string): Promise<void>;
}

/**
 * Leader election by a PostgreSQL session-level advisory lock on a dedicated connection to the control
 * database. Followers try `pg_try_advisory_lock` every heartbeat; the leader checks every heartbeat
 * that its session still holds the lock. The lock goes with the session:
 * - SIGKILL, crash, graceful stop: the connection closes and the server releases the lock at once;
 * - a frozen process or a network partition: no query for `sessionTimeoutMs` and the server ends the
 *   session (`idle_session_timeout`; TCP keepalives and `tcp_user_timeout` also bound a dead peer);
 * - the leader itself gives up when a heartbeat gets no answer within two heartbeats, which is before
 *   the server releases the lock, so a leader cut off from the database stops before another starts.
 * A leader frozen and thawed after losing the lock may act for up to a heartbeat before it notices:
 * what it can do then is fenced elsewhere (row locks and attempts in PostgreSQL, batch message ids,
 * compare-and-set on the control KV entries).
 */
export class LeaderElection {
  #leader = false;
  #stopped = false;
  #client?: pg.Client;
  #loop?: Promise<void>;
  /** handlers.elected() in progress or done, while this replica leads; its failure, once it failed. */
  #electing?: Promise<void>;
  #electionFailure?: Error;
  readonly #wake = new AbortController();

  constructor(
    private readonly url: string,
    private readonly replicaId: string,
    private readonly settings: LeaderElectionSettings,
    private readonly logger: Logger,
    private readonly handlers: LeadershipHandlers,
  ) {
    if (settings.sessionTimeoutMs < settings.heartbeatMs * 4) {
      throw new Error(`leader session timeout ${settings.sessionTimeoutMs} ms must be at least 4 heartbeats (${settings.heartbeatMs * 4} ms)`);
    }
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Starts campaigning; resolves after the first try for the lock (won or not, or failed to connect). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.#loop = this.campaign(resolve);
    });
  }

  /** Stops campaigning and releases the leadership (handlers.deposed runs first, then the session ends). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake.abort();
    await this.#loop;
  }

  private async campaign(firstTry: () => void): Promise<void> {
    while (!this.#stopped) {
      try {
        const client = await this.connect();
        while (!this.#stopped) {
          if (!this.#leader) {
            const { rows } = await client.query<{ won: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS won', [...leaderLockKey]);
            if (rows[0].won) {
              this.#leader = true;
              this.logger.info({ replicaId: this.replicaId, backendPid: (client as unknown as { processID?: number }).processID }, 'leadership acquired: this scheduler runs publishing, the relay, the reaper and result ingestion');
              // Not awaited: the heartbeats go on while the leader starts. Its first steps may wait on row
              // locks a frozen predecessor holds until the server ends that session, and a session of ours
              // left without a query for sessionTimeoutMs would be ended too, losing the lock just won.
              this.#electionFailure = undefined;
              this.#electing = this.handlers.elected().catch((error: Error) => {
                this.#electionFailure = error;
              });
            }
          } else {
            if (this.#electionFailure) throw this.#electionFailure;
            await this.heartbeat(client);
          }
          // start() resolves once a won leadership has started (or failed to), as a lost try does at once.
          if (this.#electing) void this.#electing.then(firstTry);
          else firstTry();
          await this.pause();
        }
      } catch (error) {
        firstTry();
        await this.depose(`election session failed: ${(error as Error).message}`);
        if (!this.#stopped) this.logger.warn({ err: error, replicaId: this.replicaId }, 'leader election session lost; reconnecting');
        await this.pause();
      } finally {
        await this.closeSession();
      }
    }
    await this.depose('stopping');
    await this.closeSession();
    firstTry();
  }

  /** Fails when the session no longer holds the lock (it cannot, while the session lives: a safety net). */
  private async heartbeat(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                        AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2) AS held`,
      [...leaderLockKey],
    );
    if (!rows[0].held) throw new Error('the election session no longer holds the leader lock');
  }

  private async depose(reason: string): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    this.logger.warn({ replicaId: this.replicaId, reason }, 'leadership lost: background loops stopped');
    await this.#electing; // stopped after it has started, never while it starts
    this.#electing = undefined;
    await this.handlers.deposed(reason).catch((error: Error) => this.logger.error({ err: error }, 'stopping the leader loops failed'));
  }

  private async connect(): Promise<pg.Client> {
    const { heartbeatMs, sessionTimeoutMs } = this.settings;
    const client = new pg.Client({
      connectionString: this.url,
      application_name: `fleetshift-scheduler-election ${this.replicaId}`.slice(0, 63),
      // A heartbeat unanswered for two heartbeats means the session is gone for this replica.
      query_timeout: heartbeatMs * 2,
      connectionTimeoutMillis: heartbeatMs * 2,
      keepAlive: true,
      keepAliveInitialDelayMillis: heartbeatMs,
    });
    client.on('error', () => undefined); // surfaces as the next query's failure
    this.#client = client;
    await client.connect();
    // Server side: end this session after sessionTimeoutMs without a query (frozen or cut-off leader),
    // and notice a dead peer through keepalives and unacknowledged data within the same bound.
    const probe = Math.max(1, Math.floor(sessionTimeoutMs / 4000));
    await client.query(
      `SELECT set_config('idle_session_timeout', $1, false), set_config('tcp_user_timeout', $1, false),
              set_config('tcp_keepalives_idle', $2, false), set_config('tcp_keepalives_interval', $2, false),
              set_config('tcp_keepalives_count', '3', false)`,
      [String(sessionTimeoutMs), String(probe)],
    );
    return client;
  }

  private async closeSession(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    // Ending the session releases the lock; do not wait long on a peer that may be gone.
    await Promise.race([client.end().catch(() => undefined), sleep(this.settings.heartbeatMs, undefined, { ref: false })]);
  }

  private pause(): Promise<void> {
    return sleep(this.settings.heartbeatMs, undefined, { signal: this.#wake.signal }).catch(() => undefined);
  }
}
