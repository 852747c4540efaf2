import type { ClientTransport } from '@fleetshift/contracts';
import type { Logger } from '@fleetshift/telemetry';
import { openControlStore } from '@fleetshift/control-store';
import type { SchedulerContext } from './context.js';
import { LeaderElection, type LeaderElectionSettings } from './leadership/leader-election.js';
import { leaderDefaults, type RecoverySettings } from './defaults.js';
import type { SchedulerMetrics } from './metrics.js';
import { connectPlanner } from './planner-client.js';
import { RolloutEngine } from './rollouts/rollout-engine.js';
import { openSchedulerBus } from './scheduler-bus.js';
import { Provisioner } from './tenants/provision-tenant.js';
import { TenantDatabases } from './tenants/tenant-databases.js';

export interface SchedulerSettings {
  controlDbUrl: string;
  natsUrl: string;
  namespace: string;
  plannerAddr: string;
  apiToken?: string;
  /** TLS to the planner (FLEETSHIFT_TLS_CA…); plaintext when unset. */
  plannerTransport?: ClientTransport;
  missingThrottleSignal: 'throttled' | 'ok';
  /** The reaper's bounds and the redelivery bound (defaults: recoveryDefaults). */
  recovery?: Partial<RecoverySettings>;
  /**
   * Campaign for the leadership (several replicas on one control database; only the leader runs the
   * rollout engine). `false`: run the engine unconditionally — for in-process tests that own their
   * control database.
   */
  leaderElection: LeaderElectionSettings | false;
  /** This replica's name in logs and the election session's application_name. */
  replicaId?: string;
}

export interface Scheduler {
  ctx: SchedulerContext;
  /** The engine of the current leadership (a stopped one on a follower). */
  engine: RolloutEngine;
  provisioner: Provisioner;
  /** True while this replica runs the engine (always, without an election). */
  isLeader(): boolean;
  /** Calls `listener` on every change of the leadership (and once now with the current value). */
  onLeadershipChange(listener: (leader: boolean) => void): void;
  /** Lets the leader's engine publish a rollout now; on a follower the leader's next tick does. */
  kick(rolloutId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the control store, the bus and the planner client, then either campaigns for the leadership
 * (the leader starts a rollout engine; it is stopped when the leadership is lost) or starts the
 * engine at once. Resolves after the first try for the leadership.
 */
export async function startScheduler(settings: SchedulerSettings, logger: Logger, metrics?: SchedulerMetrics): Promise<Scheduler> {
  const replicaId = settings.replicaId ?? 'scheduler';
  const pool = await openControlStore(settings.controlDbUrl, {
    applicationName: `fleetshift-scheduler ${replicaId}`.slice(0, 63),
    // A control-database restart ends every session: the statements in progress fail and are retried by
    // their loops; the lost sessions are only logged (they used to be uncaught exceptions, exiting the process).
    onConnectionError: (error) => logger.warn({ err: error }, 'control database session lost'),
    // A replica frozen (SIGSTOP, a paused VM) inside a transaction holds its rollout row locks; the new
    // leader's first step waits on them. The server ends such a session after this bound.
    idleInTransactionTimeoutMs: idleInTransactionTimeoutMs(settings),
  });
  const bus = await openSchedulerBus(settings.natsUrl, settings.namespace);
  const planner = connectPlanner(settings.plannerAddr, settings.apiToken, settings.plannerTransport);
  const ctx: SchedulerContext = {
    pool,
    bus,
    planner,
    logger,
    metrics,
    missingThrottleSignal: settings.missingThrottleSignal,
    controlDatabase: controlDatabaseName(settings.controlDbUrl),
  };
  const databases = new TenantDatabases();
  const provisioner = new Provisioner(ctx, databases);
  const listeners: Array<(leader: boolean) => void> = [];
  let leading = false;
  const setLeading = (value: boolean) => {
    leading = value;
    metrics?.leader.set(value ? 1 : 0);
    for (const listener of listeners) listener(value);
  };
  const scheduler: Scheduler = {
    ctx,
    engine: new RolloutEngine(ctx, settings.recovery),
    provisioner,
    isLeader: () => leading,
    onLeadershipChange: (listener) => {
      listeners.push(listener);
      listener(leading);
    },
    kick: (rolloutId) => (leading ? scheduler.engine.kick(rolloutId) : Promise.resolve()),
    close: async () => {
      await election?.stop();
      await scheduler.engine.stop();
      await databases.close();
      planner.close();
      await bus.nc.drain().catch(() => undefined);
      await pool.end();
    },
  };
  const election =
    settings.leaderElection === false
      ? undefined
      : new LeaderElection(settings.controlDbUrl, replicaId, settings.leaderElection, logger, {
          elected: async () => {
            metrics?.leadershipChanges.inc({ change: 'acquired' });
            const engine = new RolloutEngine(ctx, settings.recovery);
            scheduler.engine = engine;
            try {
              await engine.start();
            } catch (error) {
              await engine.stop();
              throw error;
            }
            setLeading(true);
          },
          deposed: async () => {
            metrics?.leadershipChanges.inc({ change: 'lost' });
            setLeading(false);
            await scheduler.engine.stop();
          },
        });
  if (election) {
    await election.start();
  } else {
    await scheduler.engine.start();
    setLeading(true);
  }
  return scheduler;
}

/** Three leader session timeouts, at least 15 s: far above any idle gap of a live transaction (a NATS publish inside one). */
function idleInTransactionTimeoutMs(settings: SchedulerSettings): number {
  const session = settings.leaderElection === false ? leaderDefaults.sessionTimeoutMs : settings.leaderElection.sessionTimeoutMs;
  return Math.max(3 * session, 15_000);
}

/** The database a control-DB URL names (PostgreSQL's default, the user's name, when it names none). */
function controlDatabaseName(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || undefined;
  } catch {
    return undefined;
  }
}
