import type { ThrottleSignal } from '@fleetshift/contracts';
import type { SignalSink } from './broadcaster.js';

type Listener = (signal: ThrottleSignal) => void;

/** In-process fan-out of every published signal, for WatchThrottle streams. */
export class ThrottleFeed implements SignalSink {
  readonly #listeners = new Set<Listener>();

  async publish(signal: ThrottleSignal): Promise<void> {
    for (const listener of this.#listeners) listener(signal);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }
}
