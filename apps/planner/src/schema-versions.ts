import type { SchemaSource } from '@fleetshift/contracts';
import type { SchemaVersionRef } from '@fleetshift/contracts';
import { PreconditionError } from '@fleetshift/telemetry';

/** A stored schema version as the planner needs it. */
export interface DesiredVersion {
  blueprint: string;
  version: number;
  source: SchemaSource;
  /** Hazards the version allows for every rollout to it (e.g. DELETES_DATA for a version that drops a column). */
  allowedHazards: string[];
}

/** Reads stored schema versions (the control plane's schema_versions). */
export interface SchemaVersionStore {
  /** The version a ref names (version 0: the latest); NotFoundError when there is none. */
  resolve(ref: SchemaVersionRef): Promise<DesiredVersion>;
  close(): Promise<void>;
}

/** The store of a planner started without FLEETSHIFT_CONTROL_DB_URL: every lookup is FAILED_PRECONDITION. */
export function unconfiguredVersionStore(): SchemaVersionStore {
  return {
    resolve: async (ref) => {
      throw new PreconditionError(
        `cannot plan from stored version ${ref.blueprint}@${ref.version || 'latest'}: the planner has no control-plane database ` +
          '(set FLEETSHIFT_CONTROL_DB_URL), or send the schema text in PlanRequest.schema instead',
      );
    },
    close: async () => undefined,
  };
}
