import { LRUCache } from 'lru-cache';
import { Plan } from '@fleetshift/contracts';
import { PlanUnavailableError } from '@fleetshift/bus';

/** Where plans come from: the plans bucket (PlanStore.fetch), which checks each against its id. */
export interface PlanSource {
  fetch(id: string): Promise<Plan>;
}

/** The plans a batch names, by id: the plan, or why it cannot be had (its tenants fail with that reason). */
export type ResolvedPlans = ReadonlyMap<string, Plan | PlanUnavailableError>;

/** Bytes of plans an executor keeps (a plan larger than this is fetched for each batch, not kept). */
export const planCacheBytesDefault = 128 * 1024 * 1024;

/**
 * The executor's plans, fetched once by id and kept in an LRU bounded by their encoded size. An id is a
 * content hash, so a kept plan never goes stale; concurrent batches asking for the same id share one fetch.
 * A failed fetch is not kept: the next batch asks the bucket again.
 */
export class PlanCache {
  readonly #cache: LRUCache<string, { plan: Plan; bytes: number }>;

  constructor(source: PlanSource, maxBytes = planCacheBytesDefault) {
    this.#cache = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      fetchMethod: async (id) => {
        const plan = await source.fetch(id);
        return { plan, bytes: Plan.encode(plan).finish().length };
      },
    });
  }

  async get(id: string): Promise<Plan> {
    const entry = await this.#cache.fetch(id);
    if (!entry) throw new PlanUnavailableError('PLAN_MISSING', id, `plan ${id} could not be fetched`);
    return entry.plan;
  }

  /**
   * Every plan a set of ids names. A plan the bucket does not have, or has corrupt, is resolved to its
   * PlanUnavailableError (the tenants that need it fail with it); any other error (NATS unreachable)
   * is thrown, and the batch goes back to the queue to be tried again.
   */
  async resolve(ids: Iterable<string>): Promise<ResolvedPlans> {
    const resolved = new Map<string, Plan | PlanUnavailableError>();
    for (const id of new Set(ids)) {
      try {
        resolved.set(id, await this.get(id));
      } catch (error) {
        if (!(error instanceof PlanUnavailableError)) throw error;
        resolved.set(id, error);
      }
    }
    return resolved;
  }

  /** Plans kept now (for tests and metrics). */
  get size(): number {
    return this.#cache.size;
  }
}
