import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { busNames, connectBus, type BusNames } from '@fleetshift/bus';
import { healthMonitorClient, schedulerClients } from '@fleetshift/contracts';
import { quoteIdent } from '@fleetshift/sql-quote';
import { databaseUrl, findNats } from '@fleetshift/testing';
import { startStack, type RunningStack } from '@fleetshift/dev-stack';

/** Fleetshift's four services as processes with a control plane and NATS namespace of their own. */
export interface Deployment {
  stack: RunningStack;
  clients: ReturnType<typeof schedulerClients>;
  monitor: ReturnType<typeof healthMonitorClient>;
  nc: NatsConnection;
  names: BusNames;
  /** The control-plane database's URL (the benchmark reads its size and progress from it). */
  controlDatabaseUrl: string;
  /** Stops the services and removes the control-plane database and the namespace's streams and buckets. */
  close(): Promise<void>;
}

/**
 * Starts planner, health monitor, scheduler and executors (tools/dev-stack) with their default settings;
 * only the ports (free ones), the control-plane database and the NATS namespace are the benchmark's own,
 * so that nothing is shared with another run.
 */
export async function deployFleetshift(serverUrl: string, options: { executors: number; label: string; env?: Record<string, string> }): Promise<Deployment> {
  const natsUrl = await findNats();
  const id = `${options.label}_${randomBytes(3).toString('hex')}`;
  const names = busNames(id);
  const controlDatabase = `fleetshift_${id}`;
  const dropControlDatabase = async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(controlDatabase)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
  let stack: RunningStack;
  try {
    stack = await startStack({
      ports: 'ephemeral',
      executors: options.executors,
      env: {
        FLEETSHIFT_NATS_URL: natsUrl,
        FLEETSHIFT_NATS_NAMESPACE: names.namespace,
        FLEETSHIFT_CONTROL_DB_URL: databaseUrl(serverUrl, controlDatabase),
        FLEETSHIFT_SCRATCH_PG_URL: serverUrl,
        ...options.env,
      },
    });
  } catch (error) {
    // A service that did not start leaves nothing behind either (the others are stopped by startStack).
    await dropControlDatabase().catch(() => undefined);
    await connectBus(natsUrl, `fleetshift-bench-${options.label}`)
      .then(async (nc) => {
        await removeNamespace(nc, names).catch(() => undefined);
        await nc.close();
      })
      .catch(() => undefined);
    throw error;
  }
  const nc = await connectBus(natsUrl, `fleetshift-bench-${options.label}`);
  const clients = schedulerClients(`127.0.0.1:${stack.scheduler.grpcPort}`);
  const monitor = healthMonitorClient(`127.0.0.1:${stack.healthMonitor.grpcPort}`);
  return {
    stack,
    clients,
    monitor,
    nc,
    names,
    controlDatabaseUrl: databaseUrl(serverUrl, controlDatabase),
    async close() {
      monitor.close();
      await stack.stop();
      await removeNamespace(nc, names).catch(() => undefined);
      await nc.close();
      await dropControlDatabase();
    },
  };
}

/** Deletes every stream and bucket of the namespace (batch and result streams, KV buckets, whatever the bus adds). */
async function removeNamespace(nc: NatsConnection, names: BusNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const streamPrefix = `${names.namespace.toUpperCase().replace(/-/g, '_')}_`;
  const bucketPrefix = `KV_${names.namespace}_`;
  const objectPrefix = `OBJ_${names.namespace}_`;
  const ours: string[] = [];
  for await (const stream of jsm.streams.list()) {
    const name = stream.config.name;
    if (name.startsWith(streamPrefix) || name.startsWith(bucketPrefix) || name.startsWith(objectPrefix)) ours.push(name);
  }
  for (const name of ours) await jsm.streams.delete(name).catch(() => false);
}
