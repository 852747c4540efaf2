import type { PlanStep } from '@fleetshift/contracts';

/** Where a run stood when it stopped. */
export interface RunProgress {
  /** Steps done, those of units skipped on resume included. */
  stepsApplied: number;
  /** Executions of units, retries included. */
  attempts: number;
  /** Lock-timeout retries taken. */
  lockRetries: number;
}

/**
 * A step failed for good. `code` is the SQLSTATE, or LOCK_TIMEOUT_BUDGET when the step kept losing its
 * lock race until the retry budget was spent. The unit it belonged to was rolled back (or, outside a
 * transaction, left for its cleanup_sql on the next attempt).
 */
export class StepFailed extends Error implements RunProgress {
  readonly stepsApplied: number;
  readonly attempts: number;
  readonly lockRetries: number;
  constructor(
    message: string,
    readonly code: string,
    /** 1-based position of the step in the plan. */
    readonly stepNumber: number,
    readonly step: PlanStep,
    progress: RunProgress,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.stepsApplied = progress.stepsApplied;
    this.attempts = progress.attempts;
    this.lockRetries = progress.lockRetries;
  }
}

/**
 * The run stopped before the end without failing: the caller aborted it, or `mayRetry` said not now. The
 * unit in hand was rolled back; what was recorded through onUnitDone says where to resume.
 */
export class RunDeferred extends Error implements RunProgress {
  readonly stepsApplied: number;
  readonly attempts: number;
  readonly lockRetries: number;
  constructor(
    readonly reason: string,
    progress: RunProgress,
  ) {
    super(reason);
    this.stepsApplied = progress.stepsApplied;
    this.attempts = progress.attempts;
    this.lockRetries = progress.lockRetries;
  }
}
