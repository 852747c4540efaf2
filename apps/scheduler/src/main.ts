import { RolloutServiceService, SchemaServiceService, TenantServiceService } from '@fleetshift/contracts';
import { createServiceRuntime, redactUrl, serviceClientTransport } from '@fleetshift/telemetry';
import { hostname } from 'node:os';
import { loadSchedulerConfig } from './config.js';
import { createSchedulerMetrics } from './metrics.js';
import { leaderHealthService } from './leadership/leader-health.js';
import { rolloutService } from './rollouts/rollout-service.js';
import { startScheduler } from './scheduler.js';
import { schemaService } from './schemas/schema-service.js';
import { tenantService } from './tenants/tenant-service.js';

const config = loadSchedulerConfig();
const runtime = createServiceRuntime('scheduler', config);
const scheduler = await startScheduler(
  {
    controlDbUrl: config.FLEETSHIFT_CONTROL_DB_URL,
    natsUrl: config.FLEETSHIFT_NATS_URL,
    namespace: config.FLEETSHIFT_NATS_NAMESPACE,
    plannerAddr: config.FLEETSHIFT_PLANNER_ADDR,
    apiToken: config.FLEETSHIFT_API_TOKEN,
    plannerTransport: serviceClientTransport(),
    missingThrottleSignal: config.FLEETSHIFT_MISSING_THROTTLE_SIGNAL,
    recovery: {
      batchOverdueMs: config.FLEETSHIFT_BATCH_OVERDUE_MS,
      batchOverduePerTenantMs: config.FLEETSHIFT_BATCH_OVERDUE_PER_TENANT_MS,
      reapIntervalMs: config.FLEETSHIFT_REAPER_INTERVAL_MS,
      maxDeliver: config.FLEETSHIFT_BATCH_MAX_DELIVER,
      controlRelayIntervalMs: config.FLEETSHIFT_CONTROL_RELAY_INTERVAL_MS,
      pendingGraceMs: config.FLEETSHIFT_PENDING_ROLLOUT_GRACE_MS,
    },
    leaderElection: { heartbeatMs: config.FLEETSHIFT_LEADER_HEARTBEAT_MS, sessionTimeoutMs: config.FLEETSHIFT_LEADER_SESSION_TIMEOUT_MS },
    replicaId: config.FLEETSHIFT_SCHEDULER_ID ?? `${hostname()}-${process.pid}`,
  },
  runtime.logger,
  createSchedulerMetrics(runtime.metrics),
).catch((error: Error) => {
  runtime.logger.fatal({ controlDb: redactUrl(config.FLEETSHIFT_CONTROL_DB_URL), err: error }, 'scheduler cannot start');
  process.exit(1);
});
const { ctx, provisioner } = scheduler;

const server = await runtime.serve(
  [
    { name: 'fleetshift.v1.SchemaService', definition: SchemaServiceService, implementation: schemaService(ctx) },
    { name: 'fleetshift.v1.TenantService', definition: TenantServiceService, implementation: tenantService(ctx, provisioner) },
    { name: 'fleetshift.v1.RolloutService', definition: RolloutServiceService, implementation: rolloutService(ctx, scheduler) },
  ],
  () => scheduler.close(),
);
// Every replica serves the API (PostgreSQL is the truth); only the leader runs the background loops.
// Health of the service `fleetshift.v1.SchedulerLeader` says which one leads (SERVING) and which follow.
scheduler.onLeadershipChange((leader) => server.health.setStatus(leaderHealthService, leader ? 'SERVING' : 'NOT_SERVING'));
