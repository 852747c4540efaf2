import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import {
  CreateRolloutRequest,
  DriftPolicy,
  GetRolloutRequest,
  GetSchemaVersionRequest,
  GetTenantRequest,
  Isolation,
  ListClustersRequest,
  ListRolloutsRequest,
  ListRolloutTenantsRequest,
  ListSchemaVersionsRequest,
  ListTenantEventsRequest,
  ListTenantsRequest,
  PushSchemaVersionRequest,
  RegisterClusterRequest,
  RegisterTenantRequest,
  RolloutServiceService,
  RolloutState,
  SchemaFormat,
  SchemaServiceService,
  TenantRolloutState,
  TenantServiceService,
} from '@fleetshift/contracts';
import { createTestDatabase, findNats, findPostgres, startService, testNamespace, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { badOutcome, boundedSample, callMethod, describeRequest, mutatedRequest } from '@fleetshift/testing/request-fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutServiceValidators, schemaServiceValidators, tenantServiceValidators } from './request-validation.js';
import { deleteNamespace } from './testing/scheduler-fixture.js';

// Fuzzes every RPC of the scheduler (SchemaService, TenantService, RolloutService) as a real process, with
// the real planner behind it: requests mutated from valid seeds, judged by badOutcome (no INTERNAL, no
// UNKNOWN, no hang, every refusal with a message), and the control database's row counts unchanged by
// every refused call. Requests that pass the scheduler's field checks do real work (a planner call, a
// row), so their number is bounded per method (`deepCap`); most are refused before any database work.
const namespace = testNamespace('fz');
const blueprint = `bp${namespace.slice(2)}_fuzz`.slice(0, 60);
const v1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);';
const runsPerMethod = Number(process.env.FUZZ_RUNS_PER_METHOD) || 450;
const writes = new Set(['pushSchemaVersion', 'registerCluster', 'registerTenant', 'createRollout', 'pauseRollout', 'resumeRollout', 'cancelRollout', 'retryFailed']);
/** Writes per method that pass the field checks and go on to real work (reads are cheap: not bounded). */
const deepCap: Record<string, number> = { pushSchemaVersion: 6, registerCluster: 12, registerTenant: 15, createRollout: 0 };
const defaultDeepCap = 30;

let control: TestDatabase;
let planner: ServiceProcess;
let scheduler: ServiceProcess;
let admin: pg.Client;
let client: grpc.Client;
let natsUrl: string;

beforeAll(async () => {
  const found = await Promise.all([findPostgres(), findNats()]);
  natsUrl = found[1];
  control = await createTestDatabase('sched_fuzz');
  planner = await startService('planner');
  scheduler = await startService('scheduler', {
    FLEETSHIFT_NATS_URL: natsUrl,
    FLEETSHIFT_NATS_NAMESPACE: namespace,
    FLEETSHIFT_CONTROL_DB_URL: control.url,
    FLEETSHIFT_PLANNER_ADDR: `127.0.0.1:${planner.grpcPort}`,
  });
  client = new grpc.Client(`127.0.0.1:${scheduler.grpcPort}`, grpc.credentials.createInsecure());
  admin = new pg.Client({ connectionString: control.url });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  client?.close();
  await admin?.end();
  await Promise.all([scheduler?.stop(), planner?.stop('SIGKILL')]);
  await control?.drop();
  if (natsUrl) await deleteNamespace(natsUrl, namespace);
});

let countSql: string | undefined;

/** Row count of every table of the control database, in one query (the table list read once). */
async function snapshot(): Promise<string> {
  if (!countSql) {
    const { rows: tables } = await admin.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    countSql = `SELECT json_build_array(${tables.map((t) => `'${t.name}', (SELECT count(*) FROM ${t.name})`).join(', ')}) AS counts`;
  }
  const { rows } = await admin.query<{ counts: unknown }>(countSql);
  return JSON.stringify(rows[0].counts);
}

const methodDefinitions = { ...SchemaServiceService, ...TenantServiceService, ...RolloutServiceService } as Record<string, grpc.MethodDefinition<unknown, unknown>>;
const validators = { ...schemaServiceValidators(), ...tenantServiceValidators({ controlDatabase: '' }), ...rolloutServiceValidators() } as Record<string, (request: never) => void>;

function passesChecks(method: string, request: unknown): boolean {
  try {
    validators[method](request as never);
    return true;
  } catch {
    return false;
  }
}

describe('scheduler request checks', () => {
  it('refuses an unknown enum value in a list request with INVALID_ARGUMENT naming the field', async () => {
    for (const [method, request, field] of [
      ['listRolloutTenants', ListRolloutTenantsRequest.fromPartial({ rolloutId: 'shop-mx5e6y15-9f03ab', states: [99 as TenantRolloutState] }), 'states[0]: 99 is not one of TENANT_ROLLOUT_STATE_PENDING'],
      ['listRollouts', ListRolloutsRequest.fromPartial({ states: [RolloutState.ROLLOUT_STATE_RUNNING, 99 as RolloutState] }), 'states[1]: 99 is not one of ROLLOUT_STATE_PENDING'],
      ['registerTenant', RegisterTenantRequest.fromPartial({ tenantId: 't1', blueprint: 'shop', clusterId: 'local', isolation: 7 as Isolation }), 'isolation: 7 is not one of ISOLATION_DATABASE'],
    ] as const) {
      const outcome = await callMethod(client, methodDefinitions[method], request);
      expect(outcome.code, method).toBe(grpc.status.INVALID_ARGUMENT);
      expect(outcome.details).toContain(field);
    }
  });

  it('refuses a tenant in template0, template1, postgres or the control database, storing nothing', async () => {
    const before = await snapshot();
    for (const database of ['template0', 'template1', 'postgres', control.name]) {
      const outcome = await callMethod(
        client,
        methodDefinitions.registerTenant,
        RegisterTenantRequest.fromPartial({ tenantId: 'reserved-t', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_SCHEMA, database, provision: true }),
      );
      expect(outcome.code, database).toBe(grpc.status.INVALID_ARGUMENT);
      expect(outcome.details).toMatch(new RegExp(`^database "${database}" is reserved`));
    }
    // The default database of SCHEMA isolation is the blueprint's name: a blueprint named like the
    // control database is refused the same way.
    const outcome = await callMethod(client, methodDefinitions.registerTenant, RegisterTenantRequest.fromPartial({ tenantId: 'reserved-t', blueprint: 'postgres', clusterId: 'local', isolation: Isolation.ISOLATION_SCHEMA }));
    expect(outcome).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(outcome.details).toMatch(/^database \(from the blueprint\) "postgres" is reserved/);
    expect(await snapshot()).toBe(before);
  });
});

describe('scheduler request fuzzing', () => {
  it('answers every mutated request of every RPC with OK or a clear refusal, storing nothing for a refusal', async () => {
    const server = new URL(await findPostgres());
    const cluster = {
      id: 'local', host: server.hostname, port: Number(server.port || 5432), adminUser: decodeURIComponent(server.username || 'postgres'),
      passwordEnv: '', passwordFile: '', maintenanceDatabase: 'postgres', connectionBudget: 10, labels: { region: 'eu' }, createdAt: undefined,
    };
    const rolloutId = `${blueprint.replace(/_/g, '-')}-mx5e6y15-9f03ab`;
    // The state the seeds refer to: a blueprint with a version, a cluster, a tenant (not provisioned).
    const setup: Array<[string, unknown]> = [
      ['pushSchemaVersion', PushSchemaVersionRequest.fromPartial({ blueprint, schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: v1, filename: 'v1.sql' } })],
      ['registerCluster', RegisterClusterRequest.fromPartial({ cluster })],
      ['registerTenant', RegisterTenantRequest.fromPartial({ tenantId: 'fuzz-t1', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_DATABASE })],
    ];
    for (const [method, request] of setup) {
      expect(await callMethod(client, methodDefinitions[method], request)).toMatchObject({ code: grpc.status.OK });
    }

    const seeds: Record<string, { seed: object; mapFields?: string[]; fixed?: string[] }> = {
      pushSchemaVersion: {
        seed: PushSchemaVersionRequest.fromPartial({
          blueprint, schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: v1, filename: 'v1.sql' }, allowedHazards: ['table_rewrite'], description: 'fuzz',
        }),
      },
      getSchemaVersion: { seed: GetSchemaVersionRequest.fromPartial({ blueprint, version: 1 }) },
      listSchemaVersions: { seed: ListSchemaVersionsRequest.fromPartial({ blueprint }) },
      registerCluster: { seed: RegisterClusterRequest.fromPartial({ cluster: { ...cluster, id: 'fuzz-c' } }), mapFields: ['labels'] },
      listClusters: { seed: ListClustersRequest.fromPartial({}) },
      registerTenant: {
        seed: RegisterTenantRequest.fromPartial({
          tenantId: 'fuzz-t2', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_SCHEMA, database: `${blueprint}_db`, schema: 'fuzz_s', labels: { tier: 'gold' }, provision: false,
        }),
        mapFields: ['labels'],
        // Provisioning creates databases on the shared server: fuzzed without it.
        fixed: ['provision'],
      },
      getTenant: { seed: GetTenantRequest.fromPartial({ tenantId: 'fuzz-t1' }) },
      listTenants: {
        seed: ListTenantsRequest.fromPartial({ blueprint, clusterId: 'local', labels: { tier: 'gold' }, pageSize: 10, pageToken: Buffer.from('fuzz-t0').toString('base64url') }),
        mapFields: ['labels'],
      },
      listTenantEvents: { seed: ListTenantEventsRequest.fromPartial({ tenantId: 'fuzz-t1', rolloutId, limit: 10 }) },
      createRollout: {
        seed: CreateRolloutRequest.fromPartial({
          blueprint, version: 1, selector: { tenantIds: ['fuzz-t1'], clusterIds: ['local'], labels: { tier: 'gold' } }, batchSize: 2, maxBatchesInFlight: 1,
          tenantConcurrency: 1, canary: false, failurePolicy: { maxFailedTenants: 1, maxFailureRatio: 0.5, onDrift: DriftPolicy.DRIFT_POLICY_REPLAN },
          allowedHazards: ['table_rewrite'], dryRun: true,
        }),
        mapFields: ['labels'],
      },
      getRollout: { seed: GetRolloutRequest.fromPartial({ rolloutId }) },
      listRollouts: { seed: ListRolloutsRequest.fromPartial({ blueprint, states: [RolloutState.ROLLOUT_STATE_RUNNING], limit: 10 }) },
      pauseRollout: { seed: { rolloutId } },
      resumeRollout: { seed: { rolloutId } },
      cancelRollout: { seed: { rolloutId } },
      retryFailed: { seed: { rolloutId } },
      listRolloutTenants: { seed: ListRolloutTenantsRequest.fromPartial({ rolloutId, states: [TenantRolloutState.TENANT_ROLLOUT_STATE_PENDING], limit: 10 }) },
      watchRollout: { seed: { rolloutId } },
    };
    // Every RPC of the three services has a seed.
    expect(Object.keys(seeds).sort()).toEqual(Object.keys(methodDefinitions).sort());

    const problems: string[] = [];
    const deepCounts: Record<string, number> = {};
    let sent = 0;
    let unsendable = 0;
    let refused = 0;
    let before = await snapshot();
    const timings: Record<string, number> = {};
    for (const [method, { seed, mapFields, fixed }] of Object.entries(seeds)) {
      const methodStarted = Date.now();
      const definition = methodDefinitions[method];
      const cap = writes.has(method) ? deepCap[method] ?? defaultDeepCap : Infinity;
      const { requests, deep } = boundedSample(
        mutatedRequest(seed, { mapFields, fixed, strings: [control.name, blueprint, 'local', 'fuzz-t1', rolloutId], keepWeight: 2 }),
        runsPerMethod,
        (request) => passesChecks(method, request),
        cap,
        20260101 + sent,
      );
      deepCounts[method] = deep;
      const check = async (request: unknown) => {
        const outcome = await callMethod(client, definition, request, new grpc.Metadata(), 10_000);
        if (outcome.unsendable) {
              unsendable += 1;
              return outcome;
            }
            sent += 1;
        if (outcome.code !== grpc.status.OK) refused += 1;
        const bad = badOutcome(outcome);
        if (bad) problems.push(`${method} ${describeRequest(request)} → ${bad}`);
        return outcome;
      };
      if (writes.has(method)) {
        // One at a time, the control database compared around each refused call.
        for (const request of requests) {
          const outcome = await check(request);
          const after = await snapshot();
          if (outcome.code !== grpc.status.OK && after !== before) {
            problems.push(`${method} ${describeRequest(request)} was refused (${grpc.status[outcome.code]}) but changed the control DB: ${before} → ${after}`);
          }
          before = after;
        }
      } else {
        for (let i = 0; i < requests.length; i += 16) await Promise.all(requests.slice(i, i + 16).map(check));
      }
      timings[method] = Date.now() - methodStarted;
    }
    if (problems.length) console.info(`scheduler fuzz problems:\n${[...new Set(problems)].join('\n')}`);
    console.info(`scheduler fuzz: ${sent} requests over ${Object.keys(seeds).length} RPCs (${unsendable} generated ones not serializable, not sent), ${refused} refused, deep (passing the field checks): ${JSON.stringify(deepCounts)}, ms per method: ${JSON.stringify(timings)}`);
    expect([...new Set(problems)].slice(0, 20)).toEqual([]);
    if (!process.env.FUZZ_RUNS_PER_METHOD) expect(sent).toBeGreaterThanOrEqual(7_000);
    // The service is still up and answering.
    expect(await callMethod(client, methodDefinitions.listClusters, {})).toMatchObject({ code: grpc.status.OK });
  }, 240_000);
});
