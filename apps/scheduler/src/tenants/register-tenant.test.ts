import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Isolation, SchemaFormat } from '@fleetshift/contracts';
import { listClusters, listTenantEvents, listTenantPage } from '@fleetshift/control-store';
import { AlreadyExistsError, InvalidRequestError, NotFoundError } from '@fleetshift/telemetry';
import { pushSchemaVersion } from '../schemas/push-schema-version.js';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { registerCluster } from './register-cluster.js';
import { registerTenant } from './register-tenant.js';

let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;
const v1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);';

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
  await registerCluster(scheduler.ctx, { cluster: scheduler.localCluster('local', 0) });
});

afterAll(async () => {
  await scheduler?.cleanup();
  await planner?.stop();
});

async function push(blueprint: string, text = v1) {
  return pushSchemaVersion(scheduler.ctx, { blueprint, schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'v.sql' }, allowedHazards: [], description: '' });
}

const tables = (database: string, schema = 'public') =>
  scheduler
    .query<{ table_name: string }>(database, 'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema])
    .then((rows) => rows.map((r) => r.table_name));

describe('RegisterCluster', () => {
  it('fills the default connection budget of 10 and creates the cluster consumer', async () => {
    const [cluster] = await listClusters(scheduler.ctx.pool);
    expect([cluster.id, cluster.connectionBudget, cluster.maintenanceDatabase]).toEqual(['local', 10, 'postgres']);
    const info = await scheduler.ctx.bus.jsm.consumers.info(scheduler.ctx.bus.names.batchStream, scheduler.ctx.bus.names.clusterConsumer('local'));
    expect(info.config.filter_subject).toBe(scheduler.ctx.bus.names.batchSubject('local'));
  });

  it('refuses a bad id and naming both a password variable and a file', async () => {
    await expect(registerCluster(scheduler.ctx, { cluster: { ...scheduler.localCluster('Bad Id') } })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(
      registerCluster(scheduler.ctx, { cluster: { ...scheduler.localCluster('c2'), passwordEnv: 'PW', passwordFile: '/tmp/pw' } }),
    ).rejects.toThrow(/either password_env or password_file/);
  });
});

describe('RegisterTenant', () => {
  it('provisions a tenant database {blueprint}__{tenant} at the latest version, recorded in the tenant and the control plane', async () => {
    const blueprint = scheduler.blueprint('db');
    await push(blueprint);
    const tenant = await registerTenant(scheduler.ctx, scheduler.provisioner, {
      tenantId: 'acme', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_DATABASE, database: '', schema: '', labels: { tier: 'gold' }, provision: true,
    });
    expect([tenant.database, tenant.schema, tenant.version]).toEqual([`${blueprint}__acme`, '', 1]);
    expect(tenant.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await tables(tenant.database)).toEqual(['orders', 'users']);
    const applied = await scheduler.query<{ version: number; fingerprint: string; tenant_schema: string }>(
      tenant.database,
      'SELECT version, fingerprint, tenant_schema FROM fleetshift.applied_versions',
    );
    expect(applied).toEqual([{ version: 1, fingerprint: tenant.fingerprint, tenant_schema: '' }]);
    const events = await listTenantEvents(scheduler.ctx.pool, 'acme', '', 10);
    expect(events.map((e) => [e.kind, e.toVersion, e.stepsApplied])).toEqual([['provisioned', 1, 2]]);

    const again = await registerTenant(scheduler.ctx, scheduler.provisioner, {
      tenantId: 'acme', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_DATABASE, database: '', schema: '', labels: { tier: 'gold' }, provision: true,
    });
    expect([again.version, again.fingerprint]).toEqual([1, tenant.fingerprint]);
    const eventsAfter = await listTenantEvents(scheduler.ctx.pool, 'acme', '', 10);
    expect(eventsAfter.map((e) => e.stepsApplied)).toEqual([2, 0]);
  });

  it('provisions schema-per-tenant tenants in one shared database {blueprint}, one schema each', async () => {
    const blueprint = scheduler.blueprint('sch');
    await push(blueprint);
    const ids = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const tenants = await Promise.all(
      ids.map((id) =>
        registerTenant(scheduler.ctx, scheduler.provisioner, {
          tenantId: id, blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_SCHEMA, database: '', schema: '', labels: {}, provision: true,
        }),
      ),
    );
    expect(new Set(tenants.map((t) => t.database))).toEqual(new Set([blueprint]));
    for (const id of ids) expect(await tables(blueprint, id)).toEqual(['orders', 'users']);
    expect(await tables(blueprint, 'public')).toEqual([]);
    const applied = await scheduler.query<{ tenant_schema: string }>(blueprint, 'SELECT tenant_schema FROM fleetshift.applied_versions ORDER BY 1');
    expect(applied.map((r) => r.tenant_schema)).toEqual(ids);
  });

  it('answers NOT_FOUND for an unknown blueprint or cluster, ALREADY_EXISTS for a tenant registered elsewhere', async () => {
    const blueprint = scheduler.blueprint('nf');
    await push(blueprint);
    const base = { tenantId: 'x1', blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_DATABASE, database: '', schema: '', labels: {}, provision: false };
    await expect(registerTenant(scheduler.ctx, scheduler.provisioner, { ...base, blueprint: scheduler.blueprint('none') })).rejects.toBeInstanceOf(NotFoundError);
    await expect(registerTenant(scheduler.ctx, scheduler.provisioner, { ...base, clusterId: 'nowhere' })).rejects.toBeInstanceOf(NotFoundError);
    await registerTenant(scheduler.ctx, scheduler.provisioner, base);
    await expect(registerTenant(scheduler.ctx, scheduler.provisioner, { ...base, database: 'other' })).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('lists tenants by label, a page at a time', async () => {
    const blueprint = scheduler.blueprint('list');
    await push(blueprint);
    for (let i = 0; i < 5; i++) {
      await registerTenant(scheduler.ctx, scheduler.provisioner, {
        tenantId: `l${i}`, blueprint, clusterId: 'local', isolation: Isolation.ISOLATION_SCHEMA, database: '', schema: '', labels: { even: String(i % 2 === 0) }, provision: false,
      });
    }
    const first = await listTenantPage(scheduler.ctx.pool, { blueprint, labels: { even: 'true' } }, 2, '');
    const second = await listTenantPage(scheduler.ctx.pool, { blueprint, labels: { even: 'true' } }, 2, first.nextPageToken);
    expect([...first.tenants, ...second.tenants].map((t) => t.id)).toEqual(['l0', 'l2', 'l4']);
    expect(first.total).toBe(3);
  });

  it('reads the password from the variable the cluster names, never stores it, and names a missing variable', async () => {
    const blueprint = scheduler.blueprint('pw');
    await push(blueprint);
    process.env.FLEETSHIFT_PW_FS_TEST_TENANT = 'not-a-real-s3cret';
    await registerCluster(scheduler.ctx, { cluster: { ...scheduler.localCluster('with-pw'), passwordEnv: 'FLEETSHIFT_PW_FS_TEST_TENANT' } });
    await registerCluster(scheduler.ctx, { cluster: { ...scheduler.localCluster('no-pw'), passwordEnv: 'FLEETSHIFT_PW_FS_TEST_UNSET' } });
    const base = { blueprint, isolation: Isolation.ISOLATION_SCHEMA, database: '', schema: '', labels: {}, provision: true };
    const tenant = await registerTenant(scheduler.ctx, scheduler.provisioner, { ...base, tenantId: 'pw1', clusterId: 'with-pw' });
    expect(tenant.version).toBe(1);
    await expect(registerTenant(scheduler.ctx, scheduler.provisioner, { ...base, tenantId: 'pw2', clusterId: 'no-pw', database: `${blueprint}_2` })).rejects.toThrow(
      'cluster no-pw: password variable FLEETSHIFT_PW_FS_TEST_UNSET is not set',
    );
    const { rows } = await scheduler.ctx.pool.query(`SELECT * FROM clusters WHERE id = 'with-pw'`);
    expect(JSON.stringify(rows)).toContain('FLEETSHIFT_PW_FS_TEST_TENANT');
    expect(JSON.stringify(rows)).not.toContain('not-a-real-s3cret');
  });
});
