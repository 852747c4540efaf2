import { createLogger, exitOnUnhandledFailure, exposureRefusal, insecureRequested, isLoopbackHost, onShutdown, serviceClientTransport } from '@fleetshift/telemetry';
import { connectBackends } from './backend-clients.js';
import { ClusterFeed } from './cluster-feed.js';
import { loadConsoleConfig } from './config.js';
import { startConsoleServer } from './console-server.js';
import { RolloutFeed } from './rollout-feed.js';
import { loadAssets } from './static-assets.js';

const config = loadConsoleConfig();
const logger = createLogger('console', config.FLEETSHIFT_LOG_LEVEL);
exitOnUnhandledFailure(logger, [config.FLEETSHIFT_API_TOKEN]);
const refusal = exposureRefusal({
  host: config.FLEETSHIFT_CONSOLE_HOST,
  apiToken: config.FLEETSHIFT_API_TOKEN,
  mtls: false,
  insecure: insecureRequested(config.FLEETSHIFT_INSECURE),
  served: { what: 'the web console', hostVariable: 'FLEETSHIFT_CONSOLE_HOST', mtls: false },
});
if (refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(2);
}

const backends = connectBackends({
  schedulerAddress: config.FLEETSHIFT_SCHEDULER_ADDR,
  healthMonitorAddress: config.FLEETSHIFT_HEALTH_MONITOR_ADDR,
  apiToken: config.FLEETSHIFT_API_TOKEN,
  transport: serviceClientTransport(),
});
const rollouts = new RolloutFeed(backends, { refreshMs: config.FLEETSHIFT_CONSOLE_REFRESH_MS, limit: config.FLEETSHIFT_CONSOLE_ROLLOUTS, logger });
const clusters = new ClusterFeed(backends, { refreshMs: config.FLEETSHIFT_CONSOLE_REFRESH_MS, historyPoints: config.FLEETSHIFT_CONSOLE_HISTORY_POINTS, logger });

const server = await startConsoleServer({
  host: config.FLEETSHIFT_CONSOLE_HOST,
  port: config.FLEETSHIFT_CONSOLE_PORT,
  apiToken: config.FLEETSHIFT_API_TOKEN,
  logger,
  backends,
  rollouts,
  clusters,
  assets: loadAssets(),
});
rollouts.start();
clusters.start();
logger.info(
  {
    host: config.FLEETSHIFT_CONSOLE_HOST,
    httpPort: server.port,
    scheduler: config.FLEETSHIFT_SCHEDULER_ADDR,
    healthMonitor: config.FLEETSHIFT_HEALTH_MONITOR_ADDR,
    auth: Boolean(config.FLEETSHIFT_API_TOKEN),
  },
  'listening',
);
if (config.FLEETSHIFT_API_TOKEN && !isLoopbackHost(config.FLEETSHIFT_CONSOLE_HOST)) {
  logger.warn('the bearer token travels in plaintext over HTTP: serve the console behind a TLS-terminating proxy');
}
onShutdown(logger, async () => {
  rollouts.stop();
  clusters.stop();
  await server.close();
  backends.close();
});
