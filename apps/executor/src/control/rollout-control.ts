import type { KV } from '@nats-io/kv';
import { RolloutControl, RolloutState } from '@fleetshift/contracts';
import { decodeMessage } from '@fleetshift/bus';
import type { Logger } from '@fleetshift/telemetry';

/** What a rollout's control state means for a tenant about to start. */
export type RolloutGate = 'run' | 'wait' | 'cancel';

/**
 * The control state of every rollout (KV bucket `<ns>_rollouts`), cached and kept current by a watch.
 * Only RUNNING lets a tenant start. PAUSED, PENDING or no entry yet: wait (the batch goes back to the
 * queue after the hold time). CANCELLED, HALTED, SUCCEEDED, FAILED ('cancel'): no tenant starts; a
 * tenant this rollout left part-way through its plan is finished and the others are reported
 * CANCELLED (runTenant's finishOnly) — each tenant ends at the old or the new version, never between.
 */
export class RolloutControlCache {
  readonly #states = new Map<string, RolloutState>();
  readonly #waiters = new Set<() => void>();
  #stop?: () => void;

  constructor(private readonly logger: Logger) {}

  async start(kv: KV): Promise<void> {
    const watch = await kv.watch({ key: '>' });
    this.#stop = () => watch.stop();
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT' || entry.value.length === 0) {
          this.#states.delete(entry.key);
        } else {
          try {
            const control = decodeMessage(RolloutControl, entry.value);
            this.set(control.rolloutId || entry.key, control.state);
          } catch (error) {
            this.logger.warn({ err: error, key: entry.key }, 'undecodable rollout control ignored');
          }
        }
        this.#wake();
      }
    })();
  }

  stop(): void {
    this.#stop?.();
    this.#wake();
  }

  set(rolloutId: string, state: RolloutState): void {
    const before = this.#states.get(rolloutId);
    this.#states.set(rolloutId, state);
    if (before !== state) this.logger.info({ rolloutId, state: RolloutState[state] }, 'rollout control state');
    this.#wake();
  }

  gate(rolloutId: string): RolloutGate {
    const state = this.#states.get(rolloutId);
    switch (state) {
      case RolloutState.ROLLOUT_STATE_RUNNING:
        return 'run';
      case RolloutState.ROLLOUT_STATE_CANCELLED:
      case RolloutState.ROLLOUT_STATE_HALTED:
      case RolloutState.ROLLOUT_STATE_SUCCEEDED:
      case RolloutState.ROLLOUT_STATE_FAILED:
        return 'cancel';
      default:
        return 'wait';
    }
  }

  describe(rolloutId: string): string {
    const state = this.#states.get(rolloutId);
    return `rollout ${rolloutId} is ${state === undefined ? 'not RUNNING (no control entry)' : RolloutState[state]}`;
  }

  /** Resolves with the gate once it is not 'wait', or 'wait' when the timeout passes or `signal` aborts. */
  waitUntilDecided(rolloutId: string, timeoutMs: number, signal?: AbortSignal): Promise<RolloutGate> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('wait'), timeoutMs);
      const check = () => {
        const gate = this.gate(rolloutId);
        if (gate !== 'wait') finish(gate);
        else if (signal?.aborted) finish('wait');
      };
      const finish = (gate: RolloutGate) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', check);
        resolve(gate);
      };
      this.#waiters.add(check);
      signal?.addEventListener('abort', check);
      check();
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
