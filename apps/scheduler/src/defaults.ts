/** The scheduler's defaults, in one place. */
export const rolloutDefaults = {
  /** Tenants per batch when CreateRollout leaves batch_size absent. */
  batchSize: 50,
  /** Unfinished batches of one rollout at once. */
  maxBatchesInFlight: 4,
  /** Tenants one executor migrates at once inside a batch. */
  tenantConcurrency: 4,
  /**
   * Retries of a step on lock timeout before the tenant goes back to the queue (and, after the
   * executor's FLEETSHIFT_EXECUTOR_MAX_LOCK_DEFERRALS, fails with LOCK_TIMEOUT_BUDGET).
   */
  maxLockRetries: 6,
  /** How often running rollouts are looked at to publish more batches (also after every result). */
  pumpIntervalMs: 500,
  /** How often WatchRollout sends progress. */
  watchIntervalMs: 500,
  /** Window of the tenants/s rate in WatchRollout. */
  rateWindowSeconds: 10,
  /** A drifted tenant is re-planned at most this many times before it fails with DRIFT. */
  maxReplans: 1,
};

export const tenantDefaults = {
  /** Connections all executors together hold on a cluster for migrations. */
  connectionBudget: 10,
  maintenanceDatabase: 'postgres',
  listPageSize: 100,
  listPageSizeMax: 1000,
  /** Connections the scheduler keeps per tenant database while provisioning. */
  provisionPoolSize: 4,
  /** How long a provisioning waits for a pooled connection (queueing included) before it fails. */
  provisionQueueTimeoutMs: 120_000,
};

/** How the scheduler notices lost and poison batches (see README "Fault recovery"). */
export interface RecoverySettings {
  /**
   * A published batch with tenants still queued/running that has heard nothing (no result, no change to
   * a tenant) for this long, plus `batchOverduePerTenantMs` per open tenant, is overdue: the reaper then
   * checks JetStream, and publishes it again (next attempt) when no publication of it is left there.
   */
  batchOverdueMs: number;
  batchOverduePerTenantMs: number;
  /** How often the reaper looks at the published batches of running rollouts. */
  reapIntervalMs: number;
  /** Deliveries of a batch message before JetStream gives up on it and the scheduler dead-letters it. */
  maxDeliver: number;
  /** How often the leader's relay publishes unpublished control changes (the outbox) to the KV bucket. */
  controlRelayIntervalMs: number;
  /** A rollout still PENDING this long after its creation is run (stored whole) or failed by the leader. */
  pendingGraceMs: number;
}

export const recoveryDefaults: RecoverySettings = {
  batchOverdueMs: 120_000,
  batchOverduePerTenantMs: 1_000,
  reapIntervalMs: 10_000,
  maxDeliver: 5,
  controlRelayIntervalMs: 1_000,
  pendingGraceMs: 30_000,
};

/**
 * Leader election (leadership/leader-election.ts). A killed leader's lock is released at once and taken
 * within a heartbeat; a frozen or cut-off one's within sessionTimeoutMs + heartbeatMs (6 s).
 */
export const leaderDefaults = {
  heartbeatMs: 1_000,
  sessionTimeoutMs: 5_000,
};
