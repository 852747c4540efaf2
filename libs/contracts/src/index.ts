// Generated ts-proto code and descriptor set (never hand-edited: `npm run proto:gen`).
export * from './gen/fleetshift/v1/common.js';
export * from './gen/fleetshift/v1/plan.js';
export * from './gen/fleetshift/v1/planner.js';
export * from './gen/fleetshift/v1/schema.js';
export * from './gen/fleetshift/v1/tenant.js';
export * from './gen/fleetshift/v1/rollout.js';
export * from './gen/fleetshift/v1/health_monitor.js';
export * from './gen/fleetshift/v1/bus.js';
export { descriptorSet, descriptorSetPath } from './descriptor-set.js';
export { callMetadata, unary, schedulerClients, plannerClient, healthMonitorClient } from './clients.js';
export { clientTransport, ClientTlsError, type ClientTransport } from './channel-credentials.js';
export { walkPages, allPages } from './list-pages.js';
