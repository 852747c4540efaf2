// A small service on the telemetry runtime, run as a process by graceful-shutdown.test.ts: the echo
// service (its Lint echoes the SQL; SQL "hold" is held until the process gets SIGTERM, a call in
// flight at shutdown), and a stop hook that logs "own stop ran". SQL "reject" leaves a promise rejected
// with nobody awaiting it, its message holding a password and the API token (for the failure handler).
import { loadConfig } from '../config.js';
import { baseServiceConfig, createServiceRuntime } from '../service-runtime.js';
import { echoService } from './echo-service.js';

const config = loadConfig(baseServiceConfig({ grpcPort: 0, metricsPort: 0 }));
const runtime = createServiceRuntime('echo', config);
const held = async (request: { sql: string }) => {
  if (request.sql === 'reject') {
    void Promise.reject(new Error(`lost connection to postgresql://fleet:pg-s3cret@db:5432/x (token ${config.FLEETSHIFT_API_TOKEN})`));
    return;
  }
  if (request.sql !== 'hold') return;
  const signalled = new Promise((resolve) => process.once('SIGTERM', resolve));
  runtime.logger.info('holding a call');
  await signalled;
};
await runtime.serve([echoService(runtime.logger, held)], async () => {
  runtime.logger.info('own stop ran');
});
