import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import { decodeMessage, effectiveThrottleLevel, supersedes, type BusNames } from '@fleetshift/bus';
import type { Logger } from '@fleetshift/telemetry';

/**
 * The executor's view of every cluster's throttle state, fed by the KV bucket (the last signal, known at
 * once on start) and the `<ns>.throttle.>` broadcasts (each change and heartbeat, fastest). Per cluster,
 * libs/bus's `supersedes` decides which signal counts: the higher sequence within one monitor epoch, a new
 * epoch only with a fresh signal, and never one dated more than a few seconds in the future. The level obeyed is libs/bus's effectiveThrottleLevel: no signal, or one older
 * than three sample intervals, counts as THROTTLED — losing the monitor stops the rollout.
 *
 * Obeying:
 * - not OK (THROTTLED, CRITICAL, stale, missing): no new tenant starts on that cluster; batches of that
 *   cluster wait (in-progress acks) and the executor pulls no new batch for it;
 * - CRITICAL: additionally every tenant in flight on that cluster is aborted — its statement cancelled
 *   with a protocol cancel request, its open transaction rolled back — and deferred to a later delivery.
 */
export class ThrottleBoard {
  readonly #signals = new Map<string, ThrottleSignal>();
  readonly #criticalControllers = new Map<string, Set<AbortController>>();
  readonly #waiters = new Set<() => void>();
  #subscription?: Subscription;
  #stopWatch?: () => void;
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    private readonly onLevel?: (clusterId: string, level: ThrottleLevel) => void,
  ) {}

  async start(nc: NatsConnection, kv: KV, names: BusNames): Promise<void> {
    const watch = await kv.watch({ key: '>' });
    this.#stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT' || entry.value.length === 0) continue;
        this.#accept(entry.value, 'kv');
      }
    })();
    this.#subscription = nc.subscribe(names.throttleSubjects, {
      callback: (error, message) => {
        if (!error) this.#accept(message.data, 'subject');
      },
    });
    // Staleness appears with no message at all: re-check the waiters on a short tick.
    this.#timer = setInterval(() => this.#wake(), 100);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopWatch?.();
    this.#subscription?.unsubscribe();
    if (this.#timer) clearInterval(this.#timer);
    this.#wake();
  }

  /** Feeds one signal (also used by tests and by anything that learns a signal another way). */
  accept(signal: ThrottleSignal): void {
    const current = this.#signals.get(signal.clusterId);
    if (!supersedes(current, signal)) return;
    const before = effectiveThrottleLevel(current);
    this.#signals.set(signal.clusterId, signal);
    const after = effectiveThrottleLevel(signal);
    if (after !== before) {
      this.logger.info({ clusterId: signal.clusterId, level: ThrottleLevel[after], cause: signal.cause, reason: signal.reason }, 'cluster throttle level');
    }
    this.onLevel?.(signal.clusterId, after);
    if (after === ThrottleLevel.THROTTLE_LEVEL_CRITICAL) {
      for (const controller of this.#criticalControllers.get(signal.clusterId) ?? []) {
        controller.abort(`cluster ${signal.clusterId} is CRITICAL (${signal.cause}: ${signal.reason})`);
      }
    }
    this.#wake();
  }

  level(clusterId: string, now = Date.now()): ThrottleLevel {
    return effectiveThrottleLevel(this.#signals.get(clusterId), now);
  }

  /** Whether a new tenant may start on the cluster now. */
  canStart(clusterId: string): boolean {
    return this.level(clusterId) === ThrottleLevel.THROTTLE_LEVEL_OK;
  }

  /**
   * The cluster's pace: how many tenants may run on it at once across every executor (the monitor's
   * controller sets it); 0 when the signal gives none. Only meaningful while the cluster is OK.
   */
  pace(clusterId: string): number {
    return this.#signals.get(clusterId)?.pace ?? 0;
  }

  /** Why a cluster is not OK, for logs and deferral reasons. */
  describe(clusterId: string): string {
    const signal = this.#signals.get(clusterId);
    if (!signal) return `no throttle signal for cluster ${clusterId}`;
    const level = this.level(clusterId);
    if (level !== signal.level) return `throttle signal of cluster ${clusterId} is stale (sampled ${signal.sampledAt?.toISOString()})`;
    return `cluster ${clusterId} is ${ThrottleLevel[level]} (${signal.cause}: ${signal.reason})`;
  }

  /** Resolves true once the cluster is OK, false when `timeoutMs` passes or `signal` aborts first. */
  waitUntilOk(clusterId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        if (this.canStart(clusterId)) finish(true);
        else if (Date.now() >= deadline || signal?.aborted) finish(false);
      };
      const finish = (value: boolean) => {
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', check);
        resolve(value);
      };
      this.#waiters.add(check);
      signal?.addEventListener('abort', check);
      check();
    });
  }

  /**
   * An AbortSignal for one tenant run on a cluster: aborted when the cluster turns CRITICAL. Call
   * release() when the run ends.
   */
  criticalSignal(clusterId: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    let set = this.#criticalControllers.get(clusterId);
    if (!set) this.#criticalControllers.set(clusterId, (set = new Set()));
    set.add(controller);
    if (this.level(clusterId) === ThrottleLevel.THROTTLE_LEVEL_CRITICAL) controller.abort(this.describe(clusterId));
    return { signal: controller.signal, release: () => set.delete(controller) };
  }

  #accept(bytes: Uint8Array, source: string): void {
    try {
      this.accept(decodeMessage(ThrottleSignal, bytes));
    } catch (error) {
      this.logger.warn({ err: error, source }, 'undecodable throttle signal ignored');
    }
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
