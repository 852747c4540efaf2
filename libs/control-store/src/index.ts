// Control-plane persistence: one module per table or concept, plain functions over a pg Pool/Client.
export { openControlStore, type ControlStoreOptions } from './open-control-store.js';
export { reportLostSessions } from './lost-sessions.js';
export { createDatabaseIfMissing } from './create-database.js';
export { migrate, listMigrations, type Migration } from './migrate.js';
export { withTransaction, type Queryable } from './queryable.js';
export { rolloutStates, tenantStates, isolations, schemaFormats, driftPolicies, activeRolloutWords, finalRolloutWords, finalTenantWords } from './states.js';
export { upsertCluster, getCluster, listClusters } from './clusters.js';
export { registerClusterRow, ClusterEndpointConflictError, type ClusterRegistration } from './cluster-registration.js';
export { appendClusterEvent, listClusterEvents, clusterEndpointOf, type ClusterEvent, type ClusterEventKind } from './cluster-events.js';
export { appendSchemaVersion, getSchemaVersion, listSchemaVersions, blueprintExists, type NewSchemaVersion } from './schema-versions.js';
export {
  registerTenantRow,
  getTenant,
  getTenants,
  recordTenantVersion,
  findTenants,
  selectTenants,
  listTenantPage,
  registerTenantRows,
  TenantConflictError,
  type BulkTenant,
  type TenantFilter,
  type TenantPage,
} from './tenants.js';
export {
  insertRollout,
  getRollout,
  findActiveRollout,
  listRollouts,
  rolloutIdsInState,
  setRolloutState,
  addThrottledSeconds,
  ActiveRolloutError,
} from './rollouts.js';
export {
  pendingControl,
  markControlPublished,
  recordControlFailure,
  enqueueRolloutControl,
  controlBacklog,
  pruneControlOutbox,
  type PendingControl,
} from './control-outbox.js';
export { stalePendingRollouts, type StalePendingRollout } from './pending-rollouts.js';
export { insertPlans, getPlans, countPlans, setPlanCount, type StoredPlan } from './plans.js';
export {
  insertBatches,
  nextBatchNumber,
  listBatches,
  markBatchPublished,
  closeFinishedBatches,
  reopenBatch,
  type BatchRow,
} from './rollout-batches.js';
export { overdueBatches, requeueLostBatch, failDeadLetteredTenants, type OverdueBatch } from './batch-recovery.js';
export {
  insertRolloutTenants,
  getRolloutTenantRow,
  batchTenants,
  moveBatchTenants,
  moveRolloutTenants,
  recordTenantOutcome,
  addTenantLockRetries,
  replanRolloutTenant,
  failedTenantsByBatch,
  resetTenantsForRetry,
  finishStats,
  listRolloutTenants,
  unplannedTenantIds,
  setTenantPlan,
  type RolloutTenantRow,
  type NewRolloutTenant,
  type BatchTenant,
  type TenantOutcome,
  type FinishStats,
} from './rollout-tenants.js';
export { appendTenantEvent, appendTenantEvents, listTenantEvents, countRolloutEvents, type TenantEventKind, type NewTenantEvent } from './tenant-events.js';
