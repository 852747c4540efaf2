import pg from 'pg';
import { getSchemaVersion } from '@fleetshift/control-store';
import { redactUrl, NotFoundError, PreconditionError } from '@fleetshift/telemetry';
import type { SchemaVersionStore } from './schema-versions.js';

/** Connections the planner keeps to the control-plane database (reads of schema_versions only). */
const poolSize = 4;

/**
 * Schema versions read from the control-plane database (FLEETSHIFT_CONTROL_DB_URL) through
 * libs/control-store. Read-only: the scheduler owns that database and its migrations.
 */
export function controlStoreVersions(url: string): SchemaVersionStore {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'fleetshift-planner' });
  pool.on('error', () => undefined);
  return {
    async resolve(ref) {
      const stored = await getSchemaVersion(pool, ref.blueprint, ref.version).catch((error: Error) => {
        throw new PreconditionError(`cannot read schema versions from the control-plane database ${redactUrl(url)}: ${error.message}`);
      });
      if (!stored?.schema) throw new NotFoundError(`schema version ${ref.blueprint}@${ref.version || 'latest'} does not exist`);
      return { blueprint: stored.blueprint, version: stored.version, source: stored.schema, allowedHazards: stored.allowedHazards };
    },
    close: () => pool.end(),
  };
}
