/**
 * Planner defaults, in one place. Each can be overridden per call through BuildPlanOptions.
 */
export const planDefaults = {
  /**
   * lock_timeout of every step: a DDL that cannot get its lock gives up (55P03) instead of queueing, and
   * is retried later. Short, because every application query on the table waits behind a DDL waiting
   * for its lock: 50 ms is the longest stall a rollout may cause.
   */
  lockTimeoutMs: 50,
  /**
   * lock_timeout of a group whose every step takes at most SHARE UPDATE EXCLUSIVE (CREATE INDEX
   * CONCURRENTLY, VALIDATE CONSTRAINT, catalog-only changes): the application's reads and writes never
   * queue behind such a lock, so a long wait harms nobody — and CONCURRENTLY must wait for every older
   * transaction of the database (other tenants' too in schema isolation), which 50 ms rarely allows.
   */
  nonBlockingLockTimeoutMs: 5_000,
  /** statement_timeout of metadata-only steps (they should take milliseconds once the lock is held). */
  statementTimeoutMs: 30_000,
  /** statement_timeout of steps that read or write the whole table without blocking writes
   *  (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT, batched backfill): long, but never unbounded. */
  longStatementTimeoutMs: 6 * 60 * 60 * 1_000,
  /** Rows per transaction of a batched backfill. */
  backfillBatchRows: 1_000,
} as const;
