import * as grpc from '@grpc/grpc-js';
import { DiffRequest, IntrospectRequest, LintRequest, PlannerServiceService, PlanRequest, SchemaFormat, ValidateSchemaRequest } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, startService, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { badOutcome, boundedSample, callMethod, describeRequest, mutatedRequest } from '@fleetshift/testing/request-fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerServiceValidators } from './request-validation.js';

// Fuzzes every RPC of the planner as a real process: requests mutated from valid seeds, judged by
// badOutcome (no INTERNAL, no UNKNOWN, no hang, every refusal with a message). Requests that pass the
// field checks do real work (a scratch database, a tenant connection, the linter), so their number is
// bounded per method (`deepCap`); most are refused before any.
const runsPerMethod = Number(process.env.FUZZ_RUNS_PER_METHOD) || 600;
const deepCap: Record<string, number> = { plan: 4, diff: 4, lint: 30, introspect: 6, validateSchema: 6 };
const v1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);';
const v2 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text);';

let service: ServiceProcess;
let client: grpc.Client;
let tenant: TestDatabase;

beforeAll(async () => {
  const serverUrl = await findPostgres();
  tenant = await createTestDatabase('planner_fuzz');
  service = await startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: serverUrl });
  client = new grpc.Client(`127.0.0.1:${service.grpcPort}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(async () => {
  client?.close();
  await service?.stop();
  await tenant?.drop();
});

const definitions = PlannerServiceService as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
const validators = plannerServiceValidators() as unknown as Record<string, (request: unknown) => void>;

describe('planner request fuzzing', () => {
  it('answers every mutated request of every RPC with OK or a clear refusal', async () => {
    const url = new URL(tenant.url);
    const target = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), database: tenant.name, schema: '' };
    const source = (text: string) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'schema.sql' });
    const seeds: Record<string, object> = {
      plan: PlanRequest.fromPartial({ schema: source(v1), tenant: target, allowHazards: ['table_rewrite'] }),
      diff: DiffRequest.fromPartial({ from: source(v1), to: source(v2), schema: 'app', allowHazards: [] }),
      lint: LintRequest.fromPartial({ sql: 'ALTER TABLE users ADD COLUMN c int NOT NULL;', filename: 'migration.sql' }),
      introspect: IntrospectRequest.fromPartial({ tenant: target }),
      validateSchema: ValidateSchemaRequest.fromPartial({ schema: source(v2), schemaName: 'app' }),
    };
    expect(Object.keys(seeds).sort()).toEqual(Object.keys(definitions).sort());

    const problems: string[] = [];
    const slow: string[] = [];
    const deep: Record<string, number> = {};
    let sent = 0;
    let unsendable = 0;
    for (const [method, seed] of Object.entries(seeds)) {
      const passes = (request: object) => {
        try {
          validators[method](request);
          return true;
        } catch {
          return false;
        }
      };
      const { requests, deep: passed } = boundedSample(mutatedRequest(seed, { strings: [tenant.name, v1, '127.0.0.1'], keepWeight: 1 }), runsPerMethod, passes, deepCap[method], 4242 + sent);
      deep[method] = passed;
      for (let i = 0; i < requests.length; i += 8) {
        await Promise.all(
          requests.slice(i, i + 8).map(async (request) => {
            const started = Date.now();
            const outcome = await callMethod(client, definitions[method], request, new grpc.Metadata(), 10_000);
            if (Date.now() - started > 2000) slow.push(`${method} ${Date.now() - started} ms ${grpc.status[outcome.code]} ${describeRequest(request)}`);
            if (outcome.unsendable) {
              unsendable += 1;
              return outcome;
            }
            sent += 1;
            const bad = badOutcome(outcome);
            if (bad) problems.push(`${method} ${describeRequest(request)} → ${bad}`);
          }),
        );
      }
    }
    if (slow.length) console.info(`slow:\n${slow.join('\n')}`);
    if (problems.length) console.info(`planner fuzz problems:\n${[...new Set(problems)].join('\n')}`);
    console.info(`planner fuzz: ${sent} requests over ${Object.keys(seeds).length} RPCs (${unsendable} generated ones not serializable, not sent), deep (passing the field checks, capped): ${JSON.stringify(deep)}`);
    expect([...new Set(problems)].slice(0, 20)).toEqual([]);
    if (!process.env.FUZZ_RUNS_PER_METHOD) expect(sent).toBeGreaterThanOrEqual(2500);
    expect(await callMethod(client, definitions.lint, { sql: 'SELECT 1;', filename: 'ok.sql' })).toMatchObject({ code: grpc.status.OK });
  }, 240_000);
});
