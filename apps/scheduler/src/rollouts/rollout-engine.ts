import { RolloutState, TenantRolloutState, type TenantResult } from '@fleetshift/contracts';
import { consumeResults, ensureResultConsumer, type ResultSubscription } from '@fleetshift/bus';
import { addThrottledSeconds, getRollout, listBatches, rolloutIdsInState } from '@fleetshift/control-store';
import { currentThrottles } from './throttles.js';
import type { SchedulerContext } from '../context.js';
import { rolloutDefaults } from '../defaults.js';
import { applyTenantResult } from './apply-result.js';
import { pumpRollout } from './publish-batches.js';
import { replanDriftedTenant } from './replan-drifted.js';
import { writeRolloutControl } from './rollout-control.js';
import { updateTenantGauge } from './rollout-view.js';

const R = RolloutState;

/**
 * Drives rollouts: consumes tenant results, and publishes batches of RUNNING rollouts — after every
 * result, after every operator action, and on a timer (throttles lift, a restarted scheduler resumes).
 * All state is in PostgreSQL: a new engine picks up RUNNING rollouts where the last one stopped.
 */
export class RolloutEngine {
  readonly #pumps = new Map<string, { again: boolean; done: Promise<void> }>();
  readonly #lastTick = new Map<string, number>();
  readonly #clusters = new Map<string, string[]>();
  #timer?: NodeJS.Timeout;
  #results?: ResultSubscription;
  #stopped = false;

  constructor(private readonly ctx: SchedulerContext) {}

  async start(): Promise<void> {
    for (const id of await rolloutIdsInState(this.ctx.pool, [R.ROLLOUT_STATE_RUNNING, R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED])) {
      const rollout = await getRollout(this.ctx.pool, id);
      if (!rollout) continue;
      await writeRolloutControl(this.ctx, id, rollout.state);
      if (rollout.state === R.ROLLOUT_STATE_RUNNING) this.ctx.logger.info({ rolloutId: id }, 'resuming rollout after start');
    }
    await ensureResultConsumer(this.ctx.bus.jsm, this.ctx.bus.names);
    this.#results = await consumeResults(
      this.ctx.bus.js,
      this.ctx.bus.names,
      (result) => this.handleResult(result),
      (error) => this.ctx.logger.error({ err: error }, 'tenant result not handled; it will be delivered again'),
    );
    this.#timer = setInterval(() => void this.tick(), rolloutDefaults.pumpIntervalMs);
    await this.tick();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#results?.stop();
    await Promise.all([...this.#pumps.values()].map((p) => p.done));
  }

  /** Publishes what a rollout may publish now; calls for the same rollout run one after the other. */
  kick(rolloutId: string): Promise<void> {
    const running = this.#pumps.get(rolloutId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { again: true, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        while (entry.again && !this.#stopped) {
          entry.again = false;
          await this.pumpOnce(rolloutId);
        }
      } finally {
        this.#pumps.delete(rolloutId);
      }
    })();
    this.#pumps.set(rolloutId, entry);
    return entry.done;
  }

  /** Applies one tenant result (also called by tests with results read from the stream). */
  async handleResult(result: TenantResult): Promise<void> {
    const effect = await applyTenantResult(this.ctx, result);
    this.ctx.logger.debug({ rolloutId: result.rolloutId, tenantId: result.tenantId, state: TenantRolloutState[result.state], ...effect }, 'tenant result');
    this.ctx.metrics?.results.inc({ state: TenantRolloutState[result.state] ?? String(result.state) });
    if (effect.duplicate) this.ctx.metrics?.duplicateResults.inc();
    if (effect.replan) await replanDriftedTenant(this.ctx, result);
    if (effect.newState) await writeRolloutControl(this.ctx, result.rolloutId, effect.newState);
    void this.kick(result.rolloutId);
  }

  private async pumpOnce(rolloutId: string): Promise<void> {
    try {
      const outcome = await pumpRollout(this.ctx, rolloutId);
      if (outcome.newState) {
        await writeRolloutControl(this.ctx, rolloutId, outcome.newState);
        this.ctx.logger.info({ rolloutId, state: R[outcome.newState] }, 'rollout state changed');
      }
      if (outcome.running) await this.countThrottled(rolloutId);
      if (this.ctx.metrics) {
        const rollout = await getRollout(this.ctx.pool, rolloutId);
        if (rollout) updateTenantGauge(this.ctx, rollout);
      }
    } catch (error) {
      this.ctx.logger.error({ err: error, rolloutId }, 'publishing batches failed; retrying on the next tick');
    }
  }

  /** Adds the time since the last step to the rollout's throttled seconds when one of its clusters is throttled. */
  private async countThrottled(rolloutId: string): Promise<void> {
    const now = Date.now();
    const last = this.#lastTick.get(rolloutId);
    this.#lastTick.set(rolloutId, now);
    let clusters = this.#clusters.get(rolloutId);
    if (!clusters) {
      clusters = [...new Set((await listBatches(this.ctx.pool, rolloutId)).map((b) => b.clusterId))];
      this.#clusters.set(rolloutId, clusters);
    }
    const throttled = (await currentThrottles(this.ctx, clusters)).length > 0;
    if (throttled && last !== undefined) await addThrottledSeconds(this.ctx.pool, rolloutId, (now - last) / 1000);
  }

  private async tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      const ids = await rolloutIdsInState(this.ctx.pool, [R.ROLLOUT_STATE_RUNNING]);
      await Promise.all(ids.map((id) => this.kick(id)));
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'looking for running rollouts failed');
    }
  }
}
