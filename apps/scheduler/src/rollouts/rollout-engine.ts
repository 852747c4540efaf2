import { RolloutState, TenantRolloutState, type TenantResult } from '@fleetshift/contracts';
import {
  boundClusterDeliveries,
  consumeMaxDeliveries,
  consumeResults,
  ensureDeadLetterConsumer,
  ensureResultConsumer,
  type AdvisorySubscription,
  type MaxDeliveriesAdvisory,
  type ResultSubscription,
} from '@fleetshift/bus';
import { addThrottledSeconds, enqueueRolloutControl, getRollout, listBatches, rolloutIdsInState } from '@fleetshift/control-store';
import { currentThrottles } from './throttles.js';
import type { SchedulerContext } from '../context.js';
import { recoveryDefaults, rolloutDefaults, type RecoverySettings } from '../defaults.js';
import { applyTenantResult } from './apply-result.js';
import { reapLostBatches } from './batch-reaper.js';
import { handleMaxDeliveries } from './dead-letter-batch.js';
import { pumpRollout } from './publish-batches.js';
import { replanDriftedTenant } from './replan-drifted.js';
import { ControlRelay } from './control-relay.js';
import { recoverPendingRollouts } from './pending-rollouts.js';
import { relayRolloutControl } from './rollout-control.js';
import { updateTenantGauge } from './rollout-view.js';

const R = RolloutState;

/**
 * Drives rollouts: consumes tenant results, and publishes batches of RUNNING rollouts — after every
 * result, after every operator action, and on a timer (throttles lift, a restarted scheduler resumes).
 * Recovers from faults of the bus: a reaper publishes again batches lost from the stream, and batches
 * JetStream gives up on (max_deliver) are dead-lettered, their tenants failed. Relays control changes
 * from the outbox to the rollouts KV bucket, and runs or fails rollouts an interrupted creation left
 * PENDING. All state is in PostgreSQL: a new engine picks up RUNNING rollouts where the last one
 * stopped. Only the leader runs an engine (scheduler.ts); other replicas serve the API.
 */
export class RolloutEngine {
  readonly #pumps = new Map<string, { again: boolean; waiters: Array<() => void>; done: Promise<void> }>();
  readonly #gaugedAt = new Map<string, number>();
  readonly #lastTick = new Map<string, number>();
  readonly #clusters = new Map<string, string[]>();
  /** Batches the reaper found missing from the stream: key `<rollout>:<batch>:<attempt>` → the results stream's last sequence then (batch-reaper.ts). */
  readonly #lostSuspects = new Map<string, number>();
  #timer?: NodeJS.Timeout;
  #reaper?: NodeJS.Timeout;
  #reaping?: Promise<void>;
  #results?: ResultSubscription;
  #advisories?: AdvisorySubscription;
  #stopped = false;
  readonly recovery: RecoverySettings;
  readonly #relay: ControlRelay;

  constructor(
    private readonly ctx: SchedulerContext,
    recovery: Partial<RecoverySettings> = {},
  ) {
    this.recovery = { ...recoveryDefaults, ...recovery };
    this.#relay = new ControlRelay(ctx, this.recovery.controlRelayIntervalMs);
  }

  async start(): Promise<void> {
    // Re-assert every active rollout's control entry through the outbox (NATS may have lost the bucket
    // while no engine ran), and publish what the last engine left unpublished.
    const active = await rolloutIdsInState(this.ctx.pool, [R.ROLLOUT_STATE_RUNNING, R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED]);
    await enqueueRolloutControl(this.ctx.pool, active);
    await this.#relay.relayOnce();
    this.#relay.start();
    await this.recoverPending();
    for (const id of await rolloutIdsInState(this.ctx.pool, [R.ROLLOUT_STATE_RUNNING])) {
      this.ctx.logger.info({ rolloutId: id }, 'resuming rollout after start');
    }
    await ensureResultConsumer(this.ctx.bus.jsm, this.ctx.bus.names);
    this.#results = await consumeResults(
      this.ctx.bus.js,
      this.ctx.bus.names,
      (result) => this.handleResult(result),
      (error) => this.ctx.logger.error({ err: error }, 'tenant result not handled; it will be delivered again'),
    );
    await this.boundDeliveries();
    await ensureDeadLetterConsumer(this.ctx.bus.jsm, this.ctx.bus.names);
    this.#advisories = await consumeMaxDeliveries(
      this.ctx.bus.js,
      this.ctx.bus.names,
      (advisory) => this.handleMaxDeliveries(advisory),
      (error) => this.ctx.logger.error({ err: error }, 'batch dead-letter advisory not handled; it will be delivered again'),
    );
    this.#timer = setInterval(() => void this.tick(), rolloutDefaults.pumpIntervalMs);
    this.#reaper = setInterval(() => void this.reap(), this.recovery.reapIntervalMs);
    await this.tick();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#reaper) clearInterval(this.#reaper);
    await this.#relay.stop();
    await this.#results?.stop();
    await this.#advisories?.stop();
    await this.#reaping;
    await Promise.all([...this.#pumps.values()].map((p) => p.done));
  }

  /**
   * Publishes what a rollout may publish now; calls for the same rollout run one after the other, and
   * kicks made while a step runs share the next one. The promise settles when a step that began after
   * this kick has ended — not when the rollout goes quiet: results arrive the whole run, and CreateRollout
   * (which kicks) must not wait for the rollout's end.
   */
  kick(rolloutId: string): Promise<void> {
    let entry = this.#pumps.get(rolloutId);
    const settled = new Promise<void>((resolve) => {
      if (entry) {
        entry.again = true;
        entry.waiters.push(resolve);
      } else {
        entry = { again: true, waiters: [resolve], done: Promise.resolve() };
      }
    });
    if (this.#pumps.get(rolloutId) === entry) return settled;
    const created = entry!;
    created.done = (async () => {
      try {
        while (created.again && !this.#stopped) {
          created.again = false;
          const round = created.waiters.splice(0);
          try {
            await this.pumpOnce(rolloutId);
          } finally {
            for (const resolve of round) resolve();
          }
        }
      } finally {
        this.#pumps.delete(rolloutId);
        for (const resolve of created.waiters.splice(0)) resolve();
      }
    })();
    this.#pumps.set(rolloutId, created);
    return settled;
  }

  /** Applies one tenant result (also called by tests with results read from the stream). */
  async handleResult(result: TenantResult): Promise<void> {
    const effect = await applyTenantResult(this.ctx, result);
    this.ctx.logger.debug({ rolloutId: result.rolloutId, tenantId: result.tenantId, state: TenantRolloutState[result.state], ...effect }, 'tenant result');
    this.ctx.metrics?.results.inc({ state: TenantRolloutState[result.state] ?? String(result.state) });
    if (effect.duplicate) this.ctx.metrics?.duplicateResults.inc();
    if (effect.replan) await replanDriftedTenant(this.ctx, result);
    if (effect.newState) await relayRolloutControl(this.ctx, result.rolloutId);
    void this.kick(result.rolloutId);
  }

  /** Handles JetStream giving up on a batch (also called by tests). */
  async handleMaxDeliveries(advisory: MaxDeliveriesAdvisory): Promise<void> {
    const effect = await handleMaxDeliveries(this.ctx, advisory);
    if (!effect.rolloutId) return;
    if (effect.newState) await relayRolloutControl(this.ctx, effect.rolloutId);
    void this.kick(effect.rolloutId);
  }

  /**
   * One pass of the reaper over every RUNNING rollout (passes never overlap); each batch it puts back is
   * published by the kick that follows. Also keeps every cluster consumer at the redelivery bound (a
   * cluster registered since, or a consumer an executor made).
   */
  reap(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#reaping ??= (async () => {
      try {
        await this.recoverPending();
        await this.boundDeliveries();
        for (const id of await rolloutIdsInState(this.ctx.pool, [R.ROLLOUT_STATE_RUNNING])) {
          if (this.#stopped) break;
          const requeued = await reapLostBatches(this.ctx, id, this.recovery, this.#lostSuspects);
          if (requeued.length) void this.kick(id);
        }
      } catch (error) {
        this.ctx.logger.error({ err: error }, 'looking for lost batches failed; retrying on the next pass');
      } finally {
        this.#reaping = undefined;
      }
    })();
    return this.#reaping;
  }

  /** Published control changes of every rollout now (tests; the relay does it every interval). */
  relayControl(): Promise<number> {
    return this.#relay.relayOnce();
  }

  /** Runs or fails rollouts an interrupted creation left PENDING (at start and on every reaper pass). */
  private async recoverPending(): Promise<void> {
    const recovered = await recoverPendingRollouts(this.ctx, this.recovery.pendingGraceMs);
    for (const id of [...recovered.resumed, ...recovered.failed]) await relayRolloutControl(this.ctx, id);
    for (const id of recovered.resumed) void this.kick(id);
  }

  private async boundDeliveries(): Promise<void> {
    const changed = await boundClusterDeliveries(this.ctx.bus.jsm, this.ctx.bus.names, this.recovery.maxDeliver);
    if (changed.length) this.ctx.logger.info({ clusters: changed, maxDeliver: this.recovery.maxDeliver }, 'cluster consumers bounded to max_deliver');
  }

  private async pumpOnce(rolloutId: string): Promise<void> {
    try {
      const outcome = await pumpRollout(this.ctx, rolloutId);
      if (outcome.newState) {
        await relayRolloutControl(this.ctx, rolloutId);
        this.ctx.logger.info({ rolloutId, state: R[outcome.newState] }, 'rollout state changed');
      }
      if (outcome.running) await this.countThrottled(rolloutId);
      // The gauge needs the rollout's counts (a scan of its tenants): at most once a second per rollout,
      // not after every result, and always on a state change.
      const gaugedAt = this.#gaugedAt.get(rolloutId) ?? 0;
      if (this.ctx.metrics && (outcome.newState || Date.now() - gaugedAt >= 1_000)) {
        this.#gaugedAt.set(rolloutId, Date.now());
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
