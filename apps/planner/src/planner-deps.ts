import type { Logger } from 'pino';
import type { SandboxOptions } from '@fleetshift/schema';
import type { DesiredSchemaCache } from './desired-schema-cache.js';
import type { PlannerMetrics } from './planner-metrics.js';

/** What the handlers need, built once by main.ts. */
export interface PlannerDeps {
  /** Server where desired schemas are loaded into scratch databases to be normalized, and plans verified. */
  scratchServerUrl: string;
  /** The sandbox desired schemas load and plans replay in (docs/security.md). */
  sandbox: SandboxOptions;
  /** Desired schemas, loaded into a scratch database on a miss (bounded LRU, see README). */
  desiredSchemas: DesiredSchemaCache;
  tenantConnectTimeoutMs: number;
  /** Replay each answered plan on a scratch copy of its from-state first (FLEETSHIFT_VERIFY_PLANS). */
  verifyPlans: boolean;
  metrics: PlannerMetrics;
  logger: Logger;
}
