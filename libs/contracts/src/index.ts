// Generated ts-proto code (never hand-edited: `npm run proto:gen`) and the location of the .proto files.
export * from './gen/fleetshift/v1/common.js';
export * from './gen/fleetshift/v1/plan.js';
export * from './gen/fleetshift/v1/planner.js';
export * from './gen/fleetshift/v1/schema.js';
export * from './gen/fleetshift/v1/tenant.js';
export * from './gen/fleetshift/v1/rollout.js';
export * from './gen/fleetshift/v1/health_monitor.js';
export * from './gen/fleetshift/v1/bus.js';
export { protoRoot, protoFiles } from './proto-files.js';
export { callMetadata, unary, schedulerClients, plannerClient, healthMonitorClient } from './clients.js';
export { clientTransport, ClientTlsError, type ClientTransport } from './channel-credentials.js';
