import { ManualThrottle } from '@fleetshift/contracts';
import { decodeMessage, encodeMessage } from '@fleetshift/bus';
import type { KV } from '@nats-io/kv';
import { fromManualThrottle, toManualThrottle, type ManualOverride } from './manual-override.js';

/**
 * Where the operator's manual overrides are kept so that they outlive the monitor process: a restarted
 * monitor must not silently drop a THROTTLE set for a maintenance window.
 */
export interface OverrideStore {
  /** Every stored override by cluster id (expired ones included: the caller drops them). */
  load(): Promise<Map<string, ManualOverride>>;
  /** Stores the override of one cluster, or removes it (`undefined`, for CLEAR). */
  save(clusterId: string, override: ManualOverride | undefined): Promise<void>;
}

/** The store of a monitor without persistence (tests that do not restart it): a map in memory. */
export function memoryOverrideStore(): OverrideStore {
  const overrides = new Map<string, ManualOverride>();
  return {
    load: async () => new Map(overrides),
    async save(clusterId, override) {
      if (override) overrides.set(clusterId, override);
      else overrides.delete(clusterId);
    },
  };
}

/** The overrides in the `<ns>_overrides` KV bucket: one ManualThrottle per cluster id. */
export function kvOverrideStore(kv: KV): OverrideStore {
  return {
    async load() {
      const overrides = new Map<string, ManualOverride>();
      for await (const key of await kv.keys()) {
        const entry = await kv.get(key);
        if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) continue;
        try {
          const override = fromManualThrottle(decodeMessage(ManualThrottle, entry.value));
          if (override) overrides.set(key, override);
        } catch {
          // Not a ManualThrottle: ignore it rather than trust it.
        }
      }
      return overrides;
    },
    async save(clusterId, override) {
      if (override) await kv.put(clusterId, encodeMessage(ManualThrottle, toManualThrottle(override)));
      else await kv.delete(clusterId);
    },
  };
}

/** An override could not be stored: the request fails (UNAVAILABLE) rather than hold in memory only. */
export class OverrideNotSavedError extends Error {
  override readonly name: string = 'OverrideNotSavedError';
}
