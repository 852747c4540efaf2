import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  callMetadata,
  Isolation,
  ManualThrottleMode,
  PushSchemaVersionRequest,
  RegisterClusterRequest,
  SchemaFormat,
  unary,
} from '@fleetshift/contracts';
import { registerTenantRows, type BulkTenant } from '@fleetshift/control-store';
import { quoteIdent } from '@fleetshift/sql-quote';
import { prepareSimulatedDatabase } from '@fleetshift/tenant-ledger';
import { databaseUrl } from '@fleetshift/testing';
import type { Deployment } from '../fleetshift/deployment.js';

export const simulatedBlueprint = 'sim';

/** The simulated change: small on purpose, the stand-in never runs it; the planner plans it once. */
const schemas = {
  v1: 'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);',
  v2: 'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, note text);',
};

export interface SimulatedFleet {
  clusterIds: string[];
  /** The one marked database every simulated cluster's tenants live in (a schema each, never created). */
  database: string;
  tenants: number;
  targetVersion: number;
  /** Seconds the bulk registration of every tenant took. */
  registerSeconds: number;
  /** Control-DB bytes before any tenant was registered. */
  controlBytesEmpty: number;
  drop(): Promise<void>;
}

export interface SimulatedFleetOptions {
  tenants: number;
  clusters: number;
  /** Connection budget of each simulated cluster (all point at the same local server). */
  connectionBudget: number;
}

export const clusterIdOf = (index: number) => `sim-${String(index + 1).padStart(2, '0')}`;
export const tenantIdOf = (index: number) => `t${String(index + 1).padStart(7, '0')}`;

/**
 * A simulated fleet on the local server: one database carrying the simulation marker
 * (libs/tenant-ledger simulated-fleet.ts), `clusters` clusters registered through the scheduler's API that
 * all point at it (labels: no CPU source, many cores, so that the health monitor does not throttle them for
 * this shared machine's load; every cluster also gets a manual RELEASE, so only the benchmark's overrides
 * throttle), v1 and v2 pushed through the planner, and `tenants` tenants in schema isolation recorded at
 * v1, spread round-robin over the clusters, registered in bulk (control-store registerTenantRows, 10,000
 * per statement).
 */
export async function setUpSimulatedFleet(deployment: Deployment, serverUrl: string, options: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const database = `fleetshift_sim_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-bench-scale' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  try {
    const sim = new pg.Client({ connectionString: databaseUrl(serverUrl, database) });
    await sim.connect();
    try {
      await prepareSimulatedDatabase(sim);
    } finally {
      await sim.end();
    }
    const { clients, monitor } = deployment;
    const { hostname, port, username } = new URL(serverUrl);
    const clusterIds = Array.from({ length: options.clusters }, (_, i) => clusterIdOf(i));
    for (const id of clusterIds) {
      await unary(
        clients.tenants,
        clients.tenants.registerCluster,
        RegisterClusterRequest.fromPartial({
          cluster: {
            id,
            host: hostname,
            port: Number(port || 5432),
            adminUser: decodeURIComponent(username) || 'postgres',
            maintenanceDatabase: 'postgres',
            connectionBudget: options.connectionBudget,
            labels: { simulated: 'true', cpu_source: 'none', cores: '1000' },
          },
        }),
        callMetadata(),
      );
    }
    await unary(monitor, monitor.setManualThrottle, { clusterId: '*', mode: ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE, reason: 'simulation: only the benchmark throttles', ttlSeconds: 0 }, callMetadata()).catch(() => undefined);
    const push = async (text: string, description: string) =>
      (
        await unary(
          clients.schemas,
          clients.schemas.pushSchemaVersion,
          PushSchemaVersionRequest.fromPartial({ blueprint: simulatedBlueprint, schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: `${description}.sql` }, description }),
          callMetadata(),
        )
      ).version!;
    const v1 = await push(schemas.v1, 'v1');
    const control = new pg.Pool({ connectionString: deployment.controlDatabaseUrl, max: 2 });
    let controlBytesEmpty = 0;
    let registerSeconds = 0;
    try {
      controlBytesEmpty = Number((await control.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0].size);
      const started = performance.now();
      for (let from = 0; from < options.tenants; from += 10_000) {
        const chunk: BulkTenant[] = [];
        for (let i = from; i < Math.min(options.tenants, from + 10_000); i++) {
          chunk.push({
            id: tenantIdOf(i),
            blueprint: simulatedBlueprint,
            clusterId: clusterIds[i % clusterIds.length]!,
            isolation: Isolation.ISOLATION_SCHEMA,
            database,
            schema: tenantIdOf(i),
            labels: {},
            version: v1.version,
            fingerprint: v1.fingerprint,
          });
        }
        await registerTenantRows(control, chunk);
      }
      registerSeconds = (performance.now() - started) / 1000;
    } finally {
      await control.end();
    }
    const v2 = await push(schemas.v2, 'v2');
    return { clusterIds, database, tenants: options.tenants, targetVersion: v2.version, registerSeconds, controlBytesEmpty, drop };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}
