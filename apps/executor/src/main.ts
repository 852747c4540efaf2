import { createServiceRuntime } from '@fleetshift/telemetry';
import { loadExecutorConfig } from './config.js';

const config = loadExecutorConfig();
const runtime = createServiceRuntime('executor', config);

// The executor serves only health and reflection over gRPC; its work arrives on JetStream.
await runtime.serve([]);
