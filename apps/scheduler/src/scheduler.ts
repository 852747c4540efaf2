import type { ClientTransport } from '@fleetshift/contracts';
import type { Logger } from '@fleetshift/telemetry';
import { openControlStore } from '@fleetshift/control-store';
import type { SchedulerContext } from './context.js';
import type { RecoverySettings } from './defaults.js';
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
}

export interface Scheduler {
  ctx: SchedulerContext;
  engine: RolloutEngine;
  provisioner: Provisioner;
  close(): Promise<void>;
}

/** Opens the control store, the bus and the planner client, and starts the rollout engine. */
export async function startScheduler(settings: SchedulerSettings, logger: Logger, metrics?: SchedulerMetrics): Promise<Scheduler> {
  const pool = await openControlStore(settings.controlDbUrl);
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
  const engine = new RolloutEngine(ctx, settings.recovery);
  await engine.start();
  return {
    ctx,
    engine,
    provisioner,
    close: async () => {
      await engine.stop();
      await databases.close();
      planner.close();
      await bus.nc.drain().catch(() => undefined);
      await pool.end();
    },
  };
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
