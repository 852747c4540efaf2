import { EventEmitter } from 'node:events';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { ListRolloutsRequest, unary, WatchRolloutRequest, type Rollout, type WatchRolloutResponse } from '@fleetshift/contracts';
import type { Logger } from '@fleetshift/telemetry';
import type { Backends } from './backend-clients.js';
import { rolloutView, watchEnds, type RolloutView } from './rollout-view.js';

export interface RolloutFeedOptions {
  refreshMs: number;
  /** Rollouts listed (newest first). */
  limit: number;
  logger: Logger;
}

export interface RolloutFeedEvents {
  /** Every rollout listed, newest first, after each refresh. */
  rollouts: [RolloutView[]];
  /** One rollout changed (a WatchRollout update, or the answer to an action). */
  progress: [RolloutView];
  /** The scheduler answered (ok) or not (why), when that changes. */
  backend: [{ service: 'scheduler'; ok: boolean; message: string }];
}

type Progress = WatchRolloutResponse & { rollout: Rollout };

/**
 * The rollouts as the page sees them. Lists them every refresh interval (ListRollouts) and follows each
 * that is not over with the scheduler's WatchRollout stream, whose updates carry the rate and the ETA;
 * relays every change as an event. One feed serves every browser, so the scheduler sees one watch per
 * rollout however many pages are open.
 */
export class RolloutFeed extends EventEmitter<RolloutFeedEvents> {
  private readonly latest = new Map<string, Progress>();
  private order: string[] = [];
  private readonly watches = new Map<string, ClientReadableStream<WatchRolloutResponse>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private schedulerOk: boolean | undefined;

  constructor(
    private readonly backends: Backends,
    private readonly options: RolloutFeedOptions,
  ) {
    super();
  }

  start(): void {
    const tick = () => {
      void this.refresh().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.refreshMs);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const stream of this.watches.values()) stream.cancel();
    this.watches.clear();
  }

  snapshot(): RolloutView[] {
    return this.order.flatMap((id) => {
      const progress = this.latest.get(id);
      return progress ? [rolloutView(progress)] : [];
    });
  }

  /** A rollout as an action answered it: shown at once, before the next watch update. */
  update(rollout: Rollout): RolloutView {
    const previous = this.latest.get(rollout.id);
    const progress: Progress = { rollout, tenantsPerSecond: previous?.tenantsPerSecond ?? 0, etaSeconds: previous?.etaSeconds ?? 0 };
    this.latest.set(rollout.id, progress);
    if (!this.order.includes(rollout.id)) this.order.unshift(rollout.id);
    const view = rolloutView(progress);
    this.emit('progress', view);
    if (!watchEnds(rollout.state)) this.follow(rollout.id);
    return view;
  }

  /** Lists the rollouts once and follows the ones not over (exported for tests; start() repeats it). */
  async refresh(): Promise<void> {
    let rollouts: Rollout[];
    try {
      const response = await unary(
        this.backends.rollouts,
        this.backends.rollouts.listRollouts,
        ListRolloutsRequest.fromPartial({ limit: this.options.limit }),
        undefined,
        { deadline: Date.now() + 10_000 },
      );
      rollouts = response.rollouts;
    } catch (error) {
      this.reportScheduler(false, (error as ServiceError).details ?? (error as Error).message);
      return;
    }
    this.reportScheduler(true, 'ok');
    for (const rollout of rollouts) {
      const previous = this.latest.get(rollout.id);
      // A watched rollout keeps its streamed rate and ETA; the list has none.
      this.latest.set(rollout.id, { rollout, tenantsPerSecond: previous?.tenantsPerSecond ?? 0, etaSeconds: previous?.etaSeconds ?? 0 });
    }
    this.order = rollouts.map((rollout) => rollout.id);
    for (const id of [...this.latest.keys()]) if (!this.order.includes(id) && !this.watches.has(id)) this.latest.delete(id);
    this.emit('rollouts', this.snapshot());
    for (const rollout of rollouts) if (!watchEnds(rollout.state)) this.follow(rollout.id);
  }

  private follow(rolloutId: string): void {
    if (this.stopped || this.watches.has(rolloutId)) return;
    const stream = this.backends.rollouts.watchRollout(WatchRolloutRequest.fromPartial({ rolloutId }));
    this.watches.set(rolloutId, stream);
    const forget = () => {
      if (this.watches.get(rolloutId) === stream) this.watches.delete(rolloutId);
    };
    stream.on('data', (update: WatchRolloutResponse) => {
      if (!update.rollout) return;
      const progress = update as Progress;
      this.latest.set(rolloutId, progress);
      this.emit('progress', rolloutView(progress));
    });
    stream.on('end', forget);
    stream.on('error', (error: ServiceError) => {
      forget();
      // CANCELLED is our own stop; anything else is tried again at the next refresh.
      if (!this.stopped) this.options.logger.warn({ rolloutId, code: error.code, reason: error.details }, 'WatchRollout ended with an error');
    });
  }

  private reportScheduler(ok: boolean, message: string): void {
    if (this.schedulerOk === ok) return;
    this.schedulerOk = ok;
    if (!ok) this.options.logger.warn({ reason: message }, 'cannot list rollouts from the scheduler');
    this.emit('backend', { service: 'scheduler', ok, message });
  }
}
