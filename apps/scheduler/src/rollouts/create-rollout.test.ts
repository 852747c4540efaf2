import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Isolation, RolloutState, TenantRolloutState, type CreateRolloutRequest } from '@fleetshift/contracts';
import { InvalidRequestError, NotFoundError, PreconditionError } from '@fleetshift/telemetry';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { provisionFleet, pushText, schemaV1 } from '../testing/fleet.js';
import { createRollout } from './create-rollout.js';
import { cancelRollout, retryFailed } from './rollout-actions.js';
import { registerTenant } from '../tenants/register-tenant.js';
import { listRolloutTenants } from '@fleetshift/control-store';
import { quoteIdent } from '@fleetshift/sql-quote';

let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;
let blueprint: string;
let tenants: string[];

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
  blueprint = scheduler.blueprint('cr');
  tenants = await provisionFleet(scheduler, blueprint, 4);
  await pushText(scheduler, blueprint, `${schemaV1}\nCREATE TABLE invoices (id bigint PRIMARY KEY);`);
});

afterAll(async () => {
  await scheduler?.cleanup();
  await planner?.stop();
});

const request = (overrides: Partial<CreateRolloutRequest> = {}): CreateRolloutRequest => ({
  blueprint,
  version: 0,
  selector: { tenantIds: [], labels: {}, clusterIds: [] },
  batchSize: undefined,
  maxBatchesInFlight: 0,
  tenantConcurrency: 0,
  canary: false,
  failurePolicy: undefined,
  allowedHazards: [],
  dryRun: false,
  ...overrides,
});

async function nothingStarted(): Promise<void> {
  const { rows } = await scheduler.ctx.pool.query('SELECT id FROM rollouts');
  expect(rows).toEqual([]);
  const info = await scheduler.ctx.bus.jsm.streams.info(scheduler.ctx.bus.names.batchStream);
  expect(info.state.messages).toBe(0);
}

describe('CreateRollout refuses bad requests and starts nothing', () => {
  it.each([
    ['an unknown blueprint', { blueprint: 'no_such_blueprint' }, NotFoundError, /blueprint no_such_blueprint does not exist/],
    ['an unknown version', { version: 42 }, NotFoundError, /has no version 42/],
    ['a selector matching nothing', { selector: { tenantIds: [], labels: { group: 'zzz' }, clusterIds: [] } }, InvalidRequestError, /matches no tenant/],
    ['batch_size 0', { batchSize: 0 }, InvalidRequestError, /batch_size must be at least 1/],
    ['a failure ratio above 1', { failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 1.5, onDrift: 0 } }, InvalidRequestError, /max_failure_ratio/],
  ])('%s', async (_what, overrides, errorClass, message) => {
    const created = createRollout(scheduler.ctx, request(overrides as Partial<CreateRolloutRequest>));
    await expect(created).rejects.toBeInstanceOf(errorClass);
    await expect(created).rejects.toThrow(message);
    await nothingStarted();
  });

  it('a plan needing a hazard that is not allowed (FAILED_PRECONDITION listing it)', async () => {
    const dropping = await pushText(scheduler, blueprint, 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);');
    const created = createRollout(scheduler.ctx, request({ version: dropping }));
    await expect(created).rejects.toBeInstanceOf(PreconditionError);
    await expect(created).rejects.toThrow(/DELETES_DATA/);
    await nothingStarted();
  });
});

describe('CreateRollout', () => {
  it('plans once per distinct from-state, and refuses a second active rollout of the blueprint', async () => {
    const diffsBefore = planner.calls.diff;
    const rollout = await createRollout(scheduler.ctx, request({ version: 2, batchSize: 3 }));
    expect(planner.calls.diff - diffsBefore).toBe(1);
    expect([rollout.state, rollout.plans, rollout.batchesTotal, rollout.batchSize, rollout.maxBatchesInFlight]).toEqual([
      RolloutState.ROLLOUT_STATE_RUNNING, 1, 2, 3, 4,
    ]);
    expect(rollout.counts?.total).toBe(tenants.length);

    const second = createRollout(scheduler.ctx, request({ version: 2 }));
    await expect(second).rejects.toBeInstanceOf(PreconditionError);
    await expect(second).rejects.toThrow(new RegExp(`already has an active rollout ${rollout.id}`));
    await cancelRollout(scheduler.ctx, rollout.id);
    const { rows } = await scheduler.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rollouts');
    expect(rows[0].n).toBe(1);
  });

  it('starts an unreachable tenant FAILED with its reason while the others go on; RetryFailed plans it once it is back', async () => {
    const lostDatabase = `${blueprint}__lost`;
    await registerTenant(scheduler.ctx, scheduler.provisioner, {
      tenantId: 'lost', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_DATABASE, database: lostDatabase, schema: '', labels: {}, provision: false,
    });
    const rollout = await createRollout(scheduler.ctx, request({ version: 2, selector: { tenantIds: ['lost', tenants[0]], labels: {}, clusterIds: [] } }));
    expect(rollout.counts).toMatchObject({ total: 2, failed: 1, pending: 1 });
    const [failed] = await listRolloutTenants(scheduler.ctx.pool, rollout.id, [TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED], 10);
    expect([failed.tenantId, failed.errorCode]).toEqual(['lost', 'UNREACHABLE']);
    expect(failed.error).toContain(lostDatabase);
    expect(await retryFailed(scheduler.ctx, rollout.id)).toBe(0);

    await scheduler.query('postgres', `CREATE DATABASE ${quoteIdent(lostDatabase)}`);
    expect(await retryFailed(scheduler.ctx, rollout.id)).toBe(1);
    const { rows } = await scheduler.ctx.pool.query<{ plan_key: string; state: string }>(
      `SELECT plan_key, state FROM rollout_tenants WHERE rollout_id = $1 AND tenant_id = 'lost'`,
      [rollout.id],
    );
    expect(rows[0].plan_key).toBe('live:lost:1');
    expect(['pending', 'queued']).toContain(rows[0].state);
    await cancelRollout(scheduler.ctx, rollout.id);
  });

  it('leaves the cluster consumer as registration sized it, whatever the rollout\'s tenant concurrency', async () => {
    const consumer = () => scheduler.ctx.bus.jsm.consumers.info(scheduler.ctx.bus.names.batchStream, scheduler.ctx.bus.names.clusterConsumer('local'));
    // Registered with budget 10 and the default tenant concurrency 4: 2 batches in flight, 5 deliveries.
    expect([(await consumer()).config.max_ack_pending, (await consumer()).config.max_deliver]).toEqual([2, 5]);
    const rollout = await createRollout(scheduler.ctx, request({ version: 2, tenantConcurrency: 1 }));
    expect(rollout.tenantConcurrency).toBe(1);
    expect([(await consumer()).config.max_ack_pending, (await consumer()).config.max_deliver]).toEqual([2, 5]);
    await cancelRollout(scheduler.ctx, rollout.id);
  });
});
