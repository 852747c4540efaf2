import { createHash } from 'node:crypto';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Plan } from '@fleetshift/contracts';
import type { BusNames } from './bus-names.js';

/**
 * Plans by reference (docs/adr/0009-plans-by-reference.md): a BatchJob names each plan by its id, the
 * SHA-256 of its encoded bytes, and the plan itself lives in the JetStream object store bucket
 * `<ns>_plans` under that id. The object store chunks it (128 KiB), so no message grows with a plan.
 * Only the scheduler writes (from the control DB, the source of truth); executors only read.
 */

/** Objects expire this long after they were last written; the scheduler writes a plan again before each publication. */
export const planRetentionMsDefault = 7 * 24 * 3600 * 1000;

/** Why a plan named by a batch cannot be used: gone from the bucket, or its bytes are not the ones its id names. */
export class PlanUnavailableError extends Error {
  constructor(
    readonly code: 'PLAN_MISSING' | 'PLAN_CORRUPT',
    readonly planId: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlanUnavailableError';
  }
}

const idPattern = /^sha256-[0-9a-f]{64}$/;

/** The id of an encoded plan: `sha256-<hex>` of its bytes. */
export function planIdOf(bytes: Uint8Array): string {
  return `sha256-${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The object store's own digest of the same bytes (`SHA-256=` and padded base64url), to tell a good copy from a bad one. */
function objectDigestOf(bytes: Uint8Array): string {
  // 32 bytes are 43 base64url characters: one '=' pads them.
  return `SHA-256=${createHash('sha256').update(bytes).digest('base64url')}=`;
}

export interface PlanStoreOptions {
  /** The bucket's max age (see planRetentionMsDefault); used only when this process creates the bucket. */
  retentionMs?: number;
}

/** The plans bucket of one namespace. Opened lazily, and made again should NATS have lost it. */
export class PlanStore {
  #store?: Promise<ObjectStore>;
  readonly bucket: string;
  readonly retentionMs: number;

  constructor(
    private readonly nc: NatsConnection,
    names: BusNames,
    options: PlanStoreOptions = {},
  ) {
    this.bucket = names.planBucket;
    this.retentionMs = options.retentionMs ?? planRetentionMsDefault;
  }

  /**
   * Makes sure the plan is in the bucket and returns its id. A copy that is missing, deleted, written
   * with other bytes, or older than half the retention is written (again), so that a plan stays at least
   * half the retention after every publication that names it.
   */
  async put(plan: Plan): Promise<string> {
    const bytes = Plan.encode(plan).finish();
    const id = planIdOf(bytes);
    const store = await this.#open();
    const info = await store.info(id).catch(async (error: unknown) => {
      if (!isMissingStream(error)) throw error;
      this.#store = undefined; // NATS lost the bucket (a restart without a file store): make it again
      return null;
    });
    const fresh = info && !info.deleted && info.digest === objectDigestOf(bytes) && Date.now() - Date.parse(info.mtime) < this.retentionMs / 2;
    if (!fresh) await (await this.#open()).putBlob({ name: id, description: `fleetshift plan, ${plan.steps.length} steps` }, bytes);
    return id;
  }

  /**
   * The plan of an id, checked against the id. PlanUnavailableError when the bucket has no such plan
   * (PLAN_MISSING) or its bytes do not hash to the id (PLAN_CORRUPT); any other error (NATS unreachable,
   * a timeout) is thrown as it is, for the caller to try again later.
   */
  async fetch(id: string): Promise<Plan> {
    if (!idPattern.test(id)) throw new PlanUnavailableError('PLAN_MISSING', id, `plan id ${JSON.stringify(id)} is not sha256-<64 hex digits>`);
    let bytes: Uint8Array | null;
    try {
      bytes = await (await this.#open()).getBlob(id);
    } catch (error) {
      if (isMissingStream(error)) {
        this.#store = undefined;
        throw new PlanUnavailableError('PLAN_MISSING', id, `plan ${id} cannot be read: the object store bucket ${this.bucket} does not exist`);
      }
      if (/digests do not match/.test((error as Error).message)) {
        throw new PlanUnavailableError('PLAN_CORRUPT', id, `plan ${id} in bucket ${this.bucket} is corrupt: ${(error as Error).message.split('\n')[0]}`);
      }
      throw error;
    }
    if (!bytes) throw new PlanUnavailableError('PLAN_MISSING', id, `plan ${id} is not in the object store bucket ${this.bucket} (expired or deleted); RetryFailed writes it again`);
    const actual = planIdOf(bytes);
    if (actual !== id) throw new PlanUnavailableError('PLAN_CORRUPT', id, `plan ${id} in bucket ${this.bucket} hashes to ${actual}: refusing to run it`);
    try {
      return Plan.decode(bytes);
    } catch (error) {
      throw new PlanUnavailableError('PLAN_CORRUPT', id, `plan ${id} does not decode: ${(error as Error).message}`);
    }
  }

  /** Removes a plan from the bucket (tests, and an operator's clean-up). */
  async delete(id: string): Promise<void> {
    await (await this.#open()).delete(id);
  }

  #open(): Promise<ObjectStore> {
    this.#store ??= new Objm(this.nc).create(this.bucket, { ttl: this.retentionMs * 1e6, storage: StorageType.File }).catch((error: unknown) => {
      this.#store = undefined;
      throw error;
    });
    return this.#store;
  }
}

function isMissingStream(error: unknown): boolean {
  return /stream not found|object store not found/i.test((error as Error)?.message ?? '');
}
