import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectBus } from '@fleetshift/bus';
import { createLogger } from '@fleetshift/telemetry';
import { createTestDatabase, findNats, findPostgres, testNamespace, type TestDatabase } from '@fleetshift/testing';
import { quoteIdent } from '@fleetshift/sql-quote';
import { startScheduler, type Scheduler } from '../scheduler.js';

export interface TestScheduler extends Scheduler {
  control: TestDatabase;
  namespace: string;
  natsUrl: string;
  serverUrl: string;
  /** A blueprint name unique to this fixture; tenant databases start with it and are dropped at the end. */
  blueprint(suffix: string): string;
  /** The local PostgreSQL server as a cluster registration. */
  localCluster(id: string, budget?: number): { id: string; host: string; port: number; adminUser: string; passwordEnv: string; passwordFile: string; maintenanceDatabase: string; connectionBudget: number; labels: Record<string, string>; createdAt: undefined; sslmode: string; sslRootCertFile: string };
  /** A query on any database of the local server. */
  query<R extends pg.QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<R[]>;
  cleanup(): Promise<void>;
}

/**
 * An in-process scheduler for tests: its own control database, its own NATS namespace, the planner at
 * `plannerAddr`. cleanup() closes it and drops every database, stream and bucket it made.
 */
export async function startTestScheduler(plannerAddr: string, options: { missingThrottleSignal?: 'ok' | 'throttled' } = {}): Promise<TestScheduler> {
  const [serverUrl, natsUrl] = await Promise.all([findPostgres(), findNats()]);
  const control = await createTestDatabase('scheduler');
  const namespace = testNamespace('sch');
  const prefix = `bp${namespace.slice(3)}`;
  const scheduler = await startScheduler(
    // No election: the fixture owns its control database, and tests replace or stop its engine at will.
    { controlDbUrl: control.url, natsUrl, namespace, plannerAddr, missingThrottleSignal: options.missingThrottleSignal ?? 'ok', leaderElection: false },
    createLogger('scheduler-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  const server = new URL(serverUrl);
  const query = async <R extends pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []) => {
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const fixture: TestScheduler = {
    ...scheduler,
    control,
    namespace,
    natsUrl,
    serverUrl,
    blueprint: (suffix) => `${prefix}_${suffix}`,
    localCluster: (id, budget = 10) => ({
      id,
      host: server.hostname,
      port: Number(server.port || 5432),
      adminUser: decodeURIComponent(server.username || 'postgres'),
      passwordEnv: '',
      passwordFile: '',
      maintenanceDatabase: 'postgres',
      connectionBudget: budget,
      labels: {},
      createdAt: undefined,
      sslmode: '',
      sslRootCertFile: '',
    }),
    query,
    cleanup: async () => {
      await fixture.engine.stop(); // a test may have replaced the engine
      await scheduler.close();
      const databases = await query<{ datname: string }>('postgres', 'SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
      for (const { datname } of databases) await query('postgres', `DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      await control.drop();
      await deleteNamespace(natsUrl, namespace);
    },
  };
  return fixture;
}

/** Removes the streams, KV buckets and object store buckets of a test namespace. */
export async function deleteNamespace(natsUrl: string, namespace: string): Promise<void> {
  const nc = await connectBus(natsUrl, 'test-cleanup');
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(namespace.toUpperCase()) || name.startsWith(`KV_${namespace}_`) || name.startsWith(`OBJ_${namespace}_`)) await jsm.streams.delete(name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
