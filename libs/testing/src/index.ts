export { findPostgres, createTestDatabase, databaseUrl, canConnect, type TestDatabase } from './postgres.js';
export { findNats, testNamespace } from './nats.js';
export { startService, workspaceRoot, type ServiceProcess } from './service-process.js';
export { listServicesByReflection, checkHealth } from './grpc-probe.js';
export { startCpuLoad, cpuLoadLimits, type CpuLoad, type CpuLoadOptions, type CpuLoadResult } from './cpu-load.js';
export { cpuThresholdsFor } from './cpu-thresholds.js';
export { runFleetshift, type CliResult } from './fleetshift-cli.js';
export { waitFor, type WaitForOptions, type NotYet } from './wait-for.js';
