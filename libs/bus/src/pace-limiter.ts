import type { KV } from '@nats-io/kv';
import { setTimeout as sleep } from 'node:timers/promises';

/** Who holds a place on a cluster, and until when (ms since the epoch) unless renewed. */
type Holders = Record<string, number>;

export interface PaceLimiterOptions {
  /** A holder that is not renewed within this time (its executor died or froze) loses its place. */
  leaseMs?: number;
  /** Renew each held place this often. */
  renewMs?: number;
  /** Poll interval while every place is taken (with jitter). */
  pollMs?: number;
  now?: () => number;
}

/** A place held on a cluster: release it when the tenant is done. */
export interface PaceLease {
  readonly clusterId: string;
  readonly holder: string;
  release(): Promise<void>;
}

const casAttempts = 20;

/**
 * The cluster-wide bound on tenants in flight that the pace sets, shared by every executor process: a
 * counting semaphore in one KV entry per cluster (`{holder: expiresAt}`), changed only by
 * compare-and-set on the entry's revision, so two executors can never both take the last place. Places
 * are leases: each is renewed while its tenant runs, and one whose executor died (SIGKILL, a partition)
 * expires after `leaseMs` without anyone having to clean up.
 *
 * Chosen over per-executor shares (pace ÷ executors) because a share needs every executor to agree on
 * who is alive and busy, and over-allocates while they disagree; the semaphore is exact at the cost of two
 * KV writes per tenant.
 */
export class PaceLimiter {
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #pollMs: number;
  readonly #now: () => number;

  constructor(
    private readonly kv: KV,
    options: PaceLimiterOptions = {},
  ) {
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#renewMs = options.renewMs ?? Math.floor(this.#leaseMs / 3);
    this.#pollMs = options.pollMs ?? 50;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Takes a place on the cluster for `holder`, waiting while `limit()` places are taken (the limit is
   * asked again at each try, as the pace changes). Resolves undefined, holding nothing, when `signal`
   * aborts or `keepWaiting()` turns false (the cluster is no longer OK, say).
   */
  async acquire(
    clusterId: string,
    holder: string,
    limit: () => number,
    options: { signal?: AbortSignal; keepWaiting?: () => boolean } = {},
  ): Promise<PaceLease | undefined> {
    while (!options.signal?.aborted && (options.keepWaiting?.() ?? true)) {
      if (await this.tryAcquire(clusterId, holder, limit())) return this.#lease(clusterId, holder);
      await sleep(this.#pollMs / 2 + Math.random() * this.#pollMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
    return undefined;
  }

  /** Takes a place when fewer than `limit` live holders have one; false when the cluster is full. */
  async tryAcquire(clusterId: string, holder: string, limit: number): Promise<boolean> {
    return this.#change(clusterId, (holders) => {
      if (holder in holders) return holders;
      if (Object.keys(holders).length >= limit) return undefined;
      return { ...holders, [holder]: this.#now() + this.#leaseMs };
    });
  }

  /** The live holders of a cluster (expired ones left out). */
  async holders(clusterId: string): Promise<string[]> {
    const entry = await this.kv.get(clusterId);
    return Object.keys(this.#live(decode(entry?.operation === 'PUT' ? entry.value : undefined)));
  }

  async release(clusterId: string, holder: string): Promise<void> {
    await this.#change(clusterId, (holders) => {
      if (!(holder in holders)) return undefined;
      const rest = { ...holders };
      delete rest[holder];
      return rest;
    });
  }

  async renew(clusterId: string, holder: string): Promise<boolean> {
    return this.#change(clusterId, (holders) => (holder in holders ? { ...holders, [holder]: this.#now() + this.#leaseMs } : undefined));
  }

  #lease(clusterId: string, holder: string): PaceLease {
    const timer = setInterval(() => void this.renew(clusterId, holder).catch(() => undefined), this.#renewMs);
    timer.unref();
    let released = false;
    return {
      clusterId,
      holder,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.release(clusterId, holder);
      },
    };
  }

  /**
   * Applies `change` to the cluster's live holders by compare-and-set, retrying on a lost race. `change`
   * returns undefined to leave the entry as it is; the result is whether a change was written.
   */
  async #change(clusterId: string, change: (holders: Holders) => Holders | undefined): Promise<boolean> {
    for (let attempt = 0; attempt < casAttempts; attempt++) {
      const entry = await this.kv.get(clusterId);
      const exists = entry !== null && entry.operation === 'PUT';
      const next = change(this.#live(decode(exists ? entry.value : undefined)));
      if (!next) return false;
      const data = new TextEncoder().encode(JSON.stringify(next));
      try {
        if (entry) await this.kv.update(clusterId, data, entry.revision);
        else await this.kv.create(clusterId, data);
        return true;
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
        await sleep(Math.random() * 5 * (attempt + 1));
      }
    }
    throw new Error(`pace limiter: cluster ${clusterId}: lost the compare-and-set race ${casAttempts} times`);
  }

  #live(holders: Holders): Holders {
    const now = this.#now();
    return Object.fromEntries(Object.entries(holders).filter(([, expiresAt]) => expiresAt > now));
  }
}

function decode(value: Uint8Array | undefined): Holders {
  if (!value || value.length === 0) return {};
  try {
    const parsed = JSON.parse(new TextDecoder().decode(value)) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Holders) : {};
  } catch {
    return {};
  }
}

/** A KV write refused because the entry moved on since it was read (another writer won the race). */
function isRevisionConflict(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return /wrong last sequence|key exists|10071/i.test(message);
}
