/**
 * Whether a batch's tenants are moving, for its heartbeat: the in-progress ack (`working()`) is sent only
 * while this process is alive AND its tenants progress. Workers mark a tenant's start and end, each step's
 * end and each lock-timeout retry; a worker inside a tenant's run with no mark for longer than the stall
 * bound means a step that makes no progress (a statement stuck behind a partition, a hung socket). The
 * heartbeat then stops, ack_wait expires and JetStream hands the batch to another executor; the tenant in
 * hand stays behind its advisory lock there (deferred, retried later) until this session ends or moves.
 *
 * A worker waiting on purpose — at a gate between tenants (throttle, pause, pace), or for its cluster to be
 * OK before a lock-timeout retry — is not inside a run and does not count as stalled: those waits have
 * their own bound (the hold time).
 */
export class BatchProgress {
  #lastMs: number;
  #running = 0;

  constructor(
    /** No progress for longer than this while a tenant runs: stalled. */
    readonly stallMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#lastMs = now();
  }

  /** Something moved: a step ended, a lock retry, a tenant started or ended. */
  mark(): void {
    this.#lastMs = this.now();
  }

  /** A worker starts a tenant's run (or resumes it after a deliberate wait). */
  enter(): void {
    this.#running++;
    this.mark();
  }

  /** A worker's tenant run ended (or pauses for a deliberate wait). */
  leave(): void {
    this.#running = Math.max(0, this.#running - 1);
    this.mark();
  }

  /** How long the runs in hand have gone without progress; 0 when no worker is inside a run. */
  stalledForMs(): number {
    return this.#running > 0 ? Math.max(0, this.now() - this.#lastMs) : 0;
  }

  /** True when the heartbeat should stop: tenants in hand and none moved within the stall bound. */
  stalled(): boolean {
    return this.stalledForMs() > this.stallMs;
  }
}
