import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callMetadata,
  Isolation,
  RolloutState,
  schedulerClients,
  SchemaFormat,
  unary,
  type WatchRolloutResponse,
} from '@fleetshift/contracts';
import { createTestDatabase, findNats, findPostgres, startService, testNamespace, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { quoteIdent } from '@fleetshift/sql-quote';
import pg from 'pg';
import { openSchedulerBus } from './scheduler-bus.js';
import { deleteNamespace } from './testing/scheduler-fixture.js';
import { startThrottleHeartbeat } from './testing/throttle-heartbeat.js';
import type { SchedulerBus } from './context.js';

// The scheduler as a process, over gRPC with a bearer token, with the real planner and an executor.
const token = 'sched-test-token';
const namespace = testNamespace('sgr');
const blueprint = `bp${namespace.slice(3)}_grpc`;
const v1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);';
const v2 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone_number text);';
let control: TestDatabase;
let planner: ServiceProcess;
let scheduler: ServiceProcess;
let executor: ServiceProcess;
let bus: SchedulerBus;
let heartbeat: ReturnType<typeof startThrottleHeartbeat>;
let clients: ReturnType<typeof schedulerClients>;
const meta = () => callMetadata(token);

beforeAll(async () => {
  const [serverUrl, natsUrl] = await Promise.all([findPostgres(), findNats()]);
  control = await createTestDatabase('sched_grpc');
  planner = await startService('planner', { FLEETSHIFT_API_TOKEN: token });
  const common = { FLEETSHIFT_NATS_URL: natsUrl, FLEETSHIFT_NATS_NAMESPACE: namespace, FLEETSHIFT_API_TOKEN: token };
  scheduler = await startService('scheduler', {
    ...common,
    FLEETSHIFT_CONTROL_DB_URL: control.url,
    FLEETSHIFT_PLANNER_ADDR: `127.0.0.1:${planner.grpcPort}`,
  });
  executor = await startService('executor', { ...common, FLEETSHIFT_EXECUTOR_ID: 'grpc-exec', FLEETSHIFT_EXECUTOR_DISCOVERY_INTERVAL_MS: '500' });
  bus = await openSchedulerBus(natsUrl, namespace, 'scheduler-test');
  heartbeat = startThrottleHeartbeat(bus, ['local']);
  clients = schedulerClients(`127.0.0.1:${scheduler.grpcPort}`);
  void serverUrl;
});

afterAll(async () => {
  heartbeat?.stop();
  await bus?.nc.close();
  await Promise.all([executor?.stop('SIGKILL'), scheduler?.stop(), planner?.stop('SIGKILL')]);
  const admin = new pg.Client({ connectionString: await findPostgres() });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${blueprint}%`]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  await admin.end();
  await control?.drop();
  await deleteNamespace(await findNats(), namespace);
});

const sql = (text: string) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'schema.sql' });
const rolloutRequest = (overrides: Record<string, unknown> = {}) => ({
  blueprint, version: 0, selector: undefined, batchSize: 2, maxBatchesInFlight: 2, tenantConcurrency: 2, canary: true,
  failurePolicy: undefined, allowedHazards: [], dryRun: false, ...overrides,
});

describe('scheduler over gRPC', () => {
  it('refuses calls without the bearer token', async () => {
    await expect(unary(clients.tenants, clients.tenants.listClusters, { pageSize: 0, pageToken: '' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('pushes versions through the planner: a bad schema is INVALID_ARGUMENT with its position and stores nothing', async () => {
    const bad = unary(clients.schemas, clients.schemas.pushSchemaVersion, { blueprint, schema: sql('CREATE TABLE users (id bigint PRIMARY KEY,);'), allowedHazards: [], description: '' }, meta());
    await expect(bad).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/schema\.sql:1:\d+/) });
    const listed = await unary(clients.schemas, clients.schemas.listSchemaVersions, { blueprint, pageSize: 0, pageToken: '' }, meta());
    expect(listed.versions).toEqual([]);
    const pushed = await unary(clients.schemas, clients.schemas.pushSchemaVersion, { blueprint, schema: sql(v1), allowedHazards: [], description: 'v1' }, meta());
    expect([pushed.version?.version, pushed.created]).toEqual([1, true]);
    const again = await unary(clients.schemas, clients.schemas.pushSchemaVersion, { blueprint, schema: sql(v1), allowedHazards: [], description: 'v1' }, meta());
    expect([again.version?.version, again.created]).toEqual([1, false]);
  });

  it('registers a cluster and provisions tenants; bad rollouts answer NOT_FOUND / INVALID_ARGUMENT and start nothing', async () => {
    const server = new URL(await findPostgres());
    await unary(clients.tenants, clients.tenants.registerCluster, {
      cluster: { id: 'local', host: server.hostname, port: Number(server.port || 5432), adminUser: 'postgres', passwordEnv: '', passwordFile: '', maintenanceDatabase: '', connectionBudget: 0, labels: {}, createdAt: undefined, sslmode: '', sslRootCertFile: '' },
      replace: false,
    }, meta());
    for (const id of ['g1', 'g2', 'g3', 'g4', 'g5']) {
      const { tenant } = await unary(clients.tenants, clients.tenants.registerTenant, {
        tenantId: id, blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_SCHEMA, database: '', schema: '', labels: { ring: id === 'g1' ? 'canary' : 'main' }, provision: true,
      }, meta());
      expect([tenant?.database, tenant?.schema, tenant?.version]).toEqual([blueprint, id, 1]);
    }
    const page = await unary(clients.tenants, clients.tenants.listTenants, { blueprint, clusterId: '', labels: { ring: 'main' }, pageSize: 0, pageToken: '' }, meta());
    expect([page.total, page.tenants.map((t) => t.id)]).toEqual([4, ['g2', 'g3', 'g4', 'g5']]);

    const refusals: Array<[Record<string, unknown>, grpc.status]> = [
      [{ blueprint: 'nope' }, grpc.status.NOT_FOUND],
      [{ version: 7 }, grpc.status.NOT_FOUND],
      [{ selector: { tenantIds: ['zz'], labels: {}, clusterIds: [] } }, grpc.status.INVALID_ARGUMENT],
      [{ batchSize: 0 }, grpc.status.INVALID_ARGUMENT],
    ];
    for (const [overrides, code] of refusals) {
      await expect(unary(clients.rollouts, clients.rollouts.createRollout, rolloutRequest(overrides), meta())).rejects.toMatchObject({ code });
    }
    const listed = await unary(clients.rollouts, clients.rollouts.listRollouts, { blueprint, states: [], limit: 0, pageSize: 0, pageToken: '' }, meta());
    expect(listed.rollouts).toEqual([]);
  });

  it('RegisterCluster over gRPC: a caller-chosen password source is PERMISSION_DENIED, moving a cluster needs replace', async () => {
    const server = new URL(await findPostgres());
    const cluster = { id: 'local', host: server.hostname, port: Number(server.port || 5432), adminUser: 'postgres', passwordEnv: '', passwordFile: '', maintenanceDatabase: '', connectionBudget: 0, labels: {}, createdAt: undefined, sslmode: '', sslRootCertFile: '' };
    for (const source of [{ passwordEnv: 'PATH' }, { passwordEnv: 'FLEETSHIFT_API_TOKEN' }, { passwordFile: '/etc/shadow' }]) {
      await expect(unary(clients.tenants, clients.tenants.registerCluster, { cluster: { ...cluster, id: 'stolen', host: 'attacker.example', ...source }, replace: false }, meta())).rejects.toMatchObject({
        code: grpc.status.PERMISSION_DENIED,
        details: expect.stringMatching(/is refused/),
      });
    }
    await expect(unary(clients.tenants, clients.tenants.registerCluster, { cluster: { ...cluster, host: 'attacker.example' }, replace: false }, meta())).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringContaining(`registered at ${cluster.host}:${cluster.port}`),
    });
    const { clusters } = await unary(clients.tenants, clients.tenants.listClusters, { pageSize: 0, pageToken: '' }, meta());
    expect(clusters.map((c) => [c.id, c.host])).toEqual([['local', cluster.host]]);
  });

  it('rolls a new version out with a canary, streams progress until SUCCEEDED, and records every tenant', async () => {
    await unary(clients.schemas, clients.schemas.pushSchemaVersion, { blueprint, schema: sql(v2), allowedHazards: [], description: 'v2' }, meta());
    const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, rolloutRequest(), meta());
    expect([rollout?.version, rollout?.canary, rollout?.counts?.total]).toEqual([2, true, 5]);
    await expect(unary(clients.rollouts, clients.rollouts.createRollout, rolloutRequest(), meta())).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });

    const updates: WatchRolloutResponse[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = clients.rollouts.watchRollout({ rolloutId: rollout!.id }, meta());
      stream.on('data', (update: WatchRolloutResponse) => updates.push(update));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const last = updates[updates.length - 1].rollout!;
    expect(last.state).toBe(RolloutState.ROLLOUT_STATE_SUCCEEDED);
    expect(last.counts).toMatchObject({ total: 5, succeeded: 5 });
    expect(updates.some((u) => u.rollout!.state === RolloutState.ROLLOUT_STATE_RUNNING)).toBe(true);

    const tenants = await unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId: rollout!.id, states: [], limit: 0, pageSize: 0, pageToken: '' }, meta());
    expect(tenants.tenants.map((t) => [t.tenantId, t.executorId])).toEqual(['g1', 'g2', 'g3', 'g4', 'g5'].map((id) => [id, 'grpc-exec']));
    const { tenant } = await unary(clients.tenants, clients.tenants.getTenant, { tenantId: 'g3' }, meta());
    expect(tenant?.version).toBe(2);
    const events = await unary(clients.tenants, clients.tenants.listTenantEvents, { tenantId: 'g3', rolloutId: '', limit: 0, pageSize: 0, pageToken: '' }, meta());
    expect(events.events.map((e) => e.kind)).toEqual(['provisioned', 'started', 'succeeded']);

    const metrics = await fetch(`http://127.0.0.1:${scheduler.metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(new RegExp(`fleetshift_rollout_tenants\\{[^}]*rollout_id="${rollout!.id}"[^}]*state="succeeded"[^}]*\\} 5`));
    expect(metrics).toMatch(/fleetshift_batches_published_total\{[^}]*cluster_id="local"[^}]*\} 3/);
  });
});
