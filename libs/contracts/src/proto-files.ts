import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding fleetshift/v1/*.proto, the single source of truth for every message. */
export const protoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proto');

export const protoFiles = [
  'fleetshift/v1/common.proto',
  'fleetshift/v1/plan.proto',
  'fleetshift/v1/planner.proto',
  'fleetshift/v1/schema.proto',
  'fleetshift/v1/tenant.proto',
  'fleetshift/v1/rollout.proto',
  'fleetshift/v1/health_monitor.proto',
  'fleetshift/v1/bus.proto',
];
