// A small service on the telemetry runtime, run as a process by graceful-shutdown.test.ts: the echo
// service (its Lint echoes the SQL; SQL "hold" is held until the process gets SIGTERM, a call in
// flight at shutdown), and a stop hook that logs "own stop ran".
import { loadConfig } from '../config.js';
import { baseServiceConfig, createServiceRuntime } from '../service-runtime.js';
import { echoService } from './echo-service.js';

const config = loadConfig(baseServiceConfig({ grpcPort: 0, metricsPort: 0 }));
const runtime = createServiceRuntime('echo', config);
const held = async (request: { sql: string }) => {
  if (request.sql !== 'hold') return;
  const signalled = new Promise((resolve) => process.once('SIGTERM', resolve));
  runtime.logger.info('holding a call');
  await signalled;
};
await runtime.serve([echoService(runtime.logger, held)], async () => {
  runtime.logger.info('own stop ran');
});
