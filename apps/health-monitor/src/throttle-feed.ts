import type { ThrottleSignal } from '@fleetshift/contracts';
import type { SignalSink } from './broadcaster.js';

interface Subscriber {
  onSignal(signal: ThrottleSignal): void;
  /** The feed is closing (the monitor stops): end the stream. */
  onClose(): void;
}

/** In-process fan-out of every published signal, for WatchThrottle streams. */
export class ThrottleFeed implements SignalSink {
  readonly #subscribers = new Set<Subscriber>();

  async publish(signal: ThrottleSignal): Promise<void> {
    for (const subscriber of this.#subscribers) subscriber.onSignal(signal);
  }

  /** Returns the unsubscribe function. */
  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** Ends every subscriber's stream (on shutdown, so that draining gRPC does not wait for them). */
  close(): void {
    for (const subscriber of [...this.#subscribers]) subscriber.onClose();
    this.#subscribers.clear();
  }

  get size(): number {
    return this.#subscribers.size;
  }
}
