import { jetstream } from '@nats-io/jetstream';
import { BatchJob, ThrottleLevel } from '@fleetshift/contracts';
import { busNames, connectBus, encodeMessage, ensureStreams, openPaceBucket, openRolloutBucket, openThrottleBucket, PaceLimiter, PlanStore } from '@fleetshift/bus';
import { createServiceRuntime, redactUrl } from '@fleetshift/telemetry';
import { loadExecutorConfig, sessionSafetyOf } from './config.js';
import { ExecutorLoop } from './executor.js';
import { createExecutorMetrics } from './executor-metrics.js';
import { createResultPublisher } from './batch/result-publisher.js';
import { RolloutControlCache } from './control/rollout-control.js';
import { ThrottleBoard } from './pace/throttle-gate.js';
import { PlanCache } from './batch/plan-cache.js';
import { simulationMode } from './simulation/simulation-mode.js';
import { simulatedTenantRunner } from './simulation/simulated-tenant.js';

const config = loadExecutorConfig();
const runtime = createServiceRuntime('executor', config);
const logger = runtime.logger.child({ executorId: config.FLEETSHIFT_EXECUTOR_ID });
const simulation = simulationMode(process.env);
if (simulation.refusal) {
  logger.fatal(simulation.refusal);
  process.exit(2);
}
if (simulation.simulate) logger.warn({ delay: config.standInDelay }, 'SIMULATION MODE: tenants get the stand-in (no DDL); only databases marked fleetshift_sim are touched');
const metrics = createExecutorMetrics(runtime.metrics);

const names = busNames(config.FLEETSHIFT_NATS_NAMESPACE);
const nc = await connectBus(config.FLEETSHIFT_NATS_URL, `fleetshift-executor:${config.FLEETSHIFT_EXECUTOR_ID}`);
logger.info({ natsUrl: redactUrl(config.FLEETSHIFT_NATS_URL), namespace: names.namespace }, 'connected to NATS');
const jsm = await ensureStreams(nc, names);
const js = jetstream(nc);

const board = new ThrottleBoard(logger, (clusterId, level) => metrics.throttleLevel.set({ cluster: clusterId }, level === ThrottleLevel.UNRECOGNIZED ? 0 : level));
await board.start(nc, await openThrottleBucket(nc, names), names);
const rollouts = new RolloutControlCache(logger);
await rollouts.start(await openRolloutBucket(nc, names));

const loop = new ExecutorLoop({
  js,
  jsm,
  names,
  logger,
  discoveryIntervalMs: config.FLEETSHIFT_EXECUTOR_DISCOVERY_INTERVAL_MS,
  ackWaitMs: config.FLEETSHIFT_EXECUTOR_ACK_WAIT_MS,
  batchesPerCluster: config.FLEETSHIFT_EXECUTOR_BATCHES_PER_CLUSTER,
  batch: {
    settings: {
      executorId: config.FLEETSHIFT_EXECUTOR_ID,
      defaultLockTimeoutMs: config.FLEETSHIFT_EXECUTOR_DEFAULT_LOCK_TIMEOUT_MS,
      defaultMaxLockRetries: config.FLEETSHIFT_EXECUTOR_MAX_LOCK_RETRIES,
      maxLockDeferrals: config.FLEETSHIFT_EXECUTOR_MAX_LOCK_DEFERRALS,
      backoff: { baseMs: config.FLEETSHIFT_EXECUTOR_BACKOFF_BASE_MS, capMs: config.FLEETSHIFT_EXECUTOR_BACKOFF_CAP_MS },
    },
    publish: createResultPublisher(js, names),
    logger,
    metrics,
    board,
    rollouts,
    holdMs: config.FLEETSHIFT_EXECUTOR_HOLD_MS,
    nakDelayMs: config.FLEETSHIFT_EXECUTOR_NAK_DELAY_MS,
    connectTimeoutMs: config.FLEETSHIFT_EXECUTOR_CONNECT_TIMEOUT_MS,
    stallMs: config.FLEETSHIFT_EXECUTOR_STALL_MS,
    sessionSafety: sessionSafetyOf(config),
    tenantRunner: simulation.simulate ? simulatedTenantRunner(config.standInDelay) : undefined,
    planCache: new PlanCache(new PlanStore(nc, names)),
    pace: new PaceLimiter(await openPaceBucket(nc, names)),
    requeue: async (job, msgID) => {
      await js.publish(names.batchSubject(job.clusterId), encodeMessage(BatchJob, job), { msgID });
    },
  },
});
loop.start();

// The executor serves only health and reflection over gRPC; its work arrives on JetStream.
await runtime.serve([], async () => {
  // SIGTERM: finish the tenants in hand, return the rest of each batch to the queue, then leave.
  await loop.stop();
  board.stop();
  rollouts.stop();
  await nc.drain();
});
