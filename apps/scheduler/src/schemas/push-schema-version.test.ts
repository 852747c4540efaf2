import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat } from '@fleetshift/contracts';
import { listSchemaVersions } from '@fleetshift/control-store';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { pushSchemaVersion } from './push-schema-version.js';

let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
});

afterAll(async () => {
  await scheduler?.cleanup();
  await planner?.stop();
});

const sql = (text: string) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'schema.sql' });

describe('PushSchemaVersion', () => {
  it('stores validated versions 1, 2 … and keeps text equal to the latest as the same version', async () => {
    const blueprint = scheduler.blueprint('push');
    const v1 = await pushSchemaVersion(scheduler.ctx, { blueprint, schema: sql('CREATE TABLE users (id bigint PRIMARY KEY);'), allowedHazards: [], description: 'v1' });
    const same = await pushSchemaVersion(scheduler.ctx, { blueprint, schema: sql('CREATE TABLE users (id bigint PRIMARY KEY);'), allowedHazards: [], description: 'again' });
    const v2 = await pushSchemaVersion(scheduler.ctx, {
      blueprint,
      schema: sql('CREATE TABLE users (id bigint PRIMARY KEY, email text);'),
      allowedHazards: ['DELETES_DATA'],
      description: 'v2',
    });
    expect([v1.version?.version, v1.created]).toEqual([1, true]);
    expect([same.version?.version, same.created]).toEqual([1, false]);
    expect([v2.version?.version, v2.created, v2.version?.allowedHazards]).toEqual([2, true, ['DELETES_DATA']]);
    expect(v1.version?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a schema the planner rejects with its message and stores nothing', async () => {
    const blueprint = scheduler.blueprint('bad');
    const pushed = pushSchemaVersion(scheduler.ctx, { blueprint, schema: sql('CREATE TABLE users (id bigint PRIMARY KEY,);'), allowedHazards: [], description: '' });
    await expect(pushed).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(pushed).rejects.toThrow(/schema\.sql:1/);
    expect(await listSchemaVersions(scheduler.ctx.pool, blueprint)).toEqual([]);
    const { rows } = await scheduler.ctx.pool.query('SELECT 1 FROM blueprints WHERE name = $1', [blueprint]);
    expect(rows).toEqual([]);
  });

  it('refuses a bad blueprint name before asking the planner', async () => {
    const before = planner.calls.validateSchema;
    await expect(pushSchemaVersion(scheduler.ctx, { blueprint: 'Bad-Name', schema: sql('CREATE TABLE a (id int);'), allowedHazards: [], description: '' })).rejects.toThrow(/lowercase/);
    expect(planner.calls.validateSchema).toBe(before);
  });
});
