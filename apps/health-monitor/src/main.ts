import { HealthMonitorServiceService } from '@fleetshift/contracts';
import { busNames, connectBus, openOverrideBucket, openThrottleBucket } from '@fleetshift/bus';
import { createServiceRuntime, serviceClientTransport } from '@fleetshift/telemetry';
import { lastSequenceInBucket, natsBroadcaster } from './broadcaster.js';
import { staticClusterSource } from './clusters/cluster-source.js';
import { schedulerClusterSource } from './clusters/scheduler-clusters.js';
import { parseStaticClusters } from './clusters/static-clusters.js';
import { loadHealthMonitorConfig, signalLevelsFrom, paceOptionsFrom } from './config.js';
import { FleetMonitor } from './fleet-monitor.js';
import { healthMonitorHandlers } from './grpc-handlers.js';
import { MonitorMetrics } from './monitor-metrics.js';
import { kvOverrideStore } from './override-store.js';

const config = loadHealthMonitorConfig();
const runtime = createServiceRuntime('health-monitor', config);
const { logger } = runtime;

const names = busNames(config.FLEETSHIFT_NATS_NAMESPACE);
const nc = await connectBus(config.FLEETSHIFT_NATS_URL, 'fleetshift-health-monitor');
const bucket = await openThrottleBucket(nc, names);
const overrideBucket = await openOverrideBucket(nc, names);

const source = config.FLEETSHIFT_CLUSTERS
  ? staticClusterSource(parseStaticClusters(config.FLEETSHIFT_CLUSTERS))
  : schedulerClusterSource({ address: config.FLEETSHIFT_SCHEDULER_ADDR, apiToken: config.FLEETSHIFT_API_TOKEN, transport: serviceClientTransport() });
logger.info({ source: source.kind, scheduler: source.kind === 'scheduler' ? config.FLEETSHIFT_SCHEDULER_ADDR : undefined }, 'cluster source');

const monitor = new FleetMonitor({
  source,
  sinks: [natsBroadcaster(nc, bucket, names)],
  logger,
  metrics: new MonitorMetrics(runtime.metrics),
  sampleIntervalMs: config.FLEETSHIFT_SAMPLE_INTERVAL_MS,
  heartbeatEverySamples: config.FLEETSHIFT_HEARTBEAT_EVERY_SAMPLES,
  refreshIntervalMs: config.FLEETSHIFT_CLUSTER_REFRESH_MS,
  hysteresis: {
    throttleAfterSamples: config.FLEETSHIFT_THROTTLE_AFTER_SAMPLES,
    releaseAfterSamples: config.FLEETSHIFT_RELEASE_AFTER_SAMPLES,
  },
  pace: paceOptionsFrom(config),
  levels: signalLevelsFrom(config),
  cpu: {
    source: config.FLEETSHIFT_CPU_SOURCE,
    prometheusUrl: config.FLEETSHIFT_PROMETHEUS_URL,
    prometheusQuery: config.FLEETSHIFT_PROMETHEUS_QUERY,
    prometheusQueries: config.FLEETSHIFT_PROMETHEUS_QUERIES,
  },
  defaultRemoteCores: config.FLEETSHIFT_DB_CORES,
  startSequence: await lastSequenceInBucket(bucket),
  overrides: kvOverrideStore(overrideBucket),
});
await monitor.start();
// On shutdown, end WatchThrottle streams first so that draining gRPC does not wait for them.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => monitor.feed.close());

await runtime.serve(
  [
    {
      name: 'fleetshift.v1.HealthMonitorService',
      definition: HealthMonitorServiceService,
      implementation: healthMonitorHandlers(monitor),
    },
  ],
  async () => {
    await monitor.stop();
    await nc.drain();
  },
);
