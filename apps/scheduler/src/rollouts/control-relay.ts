import { openRolloutBucket } from '@fleetshift/bus';
import { controlBacklog, pendingControl, pruneControlOutbox, recordControlFailure } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';
import { publishRolloutControl } from './rollout-control.js';

/** Rollouts one pass publishes at most (the next pass takes the rest). */
const passLimit = 200;

/**
 * The outbox relay (run by the leader): every `intervalMs` it publishes the state of each rollout with
 * unpublished control changes to the rollouts KV bucket and marks the rows published. A failure (NATS
 * down, the bucket lost with a restart) is recorded on the rows and tried again on the next pass, for
 * as long as it takes; the bucket is made again when NATS lost it. Passes never overlap.
 */
export class ControlRelay {
  #timer?: NodeJS.Timeout;
  #running?: Promise<number>;
  #passes = 0;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly intervalMs: number,
    /** Published rows are deleted after this long. */
    private readonly keepSeconds = 86_400,
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.relayOnce(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass; resolves with the rollouts published. */
  relayOnce(): Promise<number> {
    this.#running ??= this.pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  private async pass(): Promise<number> {
    let published = 0;
    try {
      let failed = false;
      for (const pending of await pendingControl(this.ctx.pool, passLimit)) {
        try {
          const state = await publishRolloutControl(this.ctx, pending);
          published++;
          this.ctx.metrics?.controlPublished.inc();
          if (pending.attempts > 0) {
            this.ctx.logger.info({ rolloutId: pending.rolloutId, state, failedAttempts: pending.attempts }, 'rollout control published after failures');
          }
        } catch (error) {
          failed = true;
          await recordControlFailure(this.ctx.pool, pending.ids, String((error as Error).message ?? error));
          // Once at the first failure and then every 30th, not on every pass of a long outage.
          if (pending.attempts % 30 === 0) {
            this.ctx.logger.warn({ err: error, rolloutId: pending.rolloutId, attempts: pending.attempts + 1 }, 'rollout control not published; retrying');
          }
        }
      }
      if (failed) await openRolloutBucket(this.ctx.bus.nc, this.ctx.bus.names).catch(() => undefined);
      if (this.ctx.metrics) {
        const backlog = await controlBacklog(this.ctx.pool);
        this.ctx.metrics.controlBacklog.set(backlog.rows);
        this.ctx.metrics.controlBacklogAge.set(backlog.oldestSeconds);
      }
      if (++this.#passes % 600 === 0) await pruneControlOutbox(this.ctx.pool, this.keepSeconds);
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'control relay pass failed; retrying on the next pass');
    }
    return published;
  }
}
