import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseUrl, findNats, runFleetshift, testNamespace, type CliResult, type TestDatabase } from '@fleetshift/testing';
import { startStack, type RunningStack } from './stack.js';

// The `fleetshift` operator commands end to end: the real CLI as a process against the real services
// (planner, health monitor, scheduler, executor, started as this dev stack) on real PostgreSQL and NATS
// JetStream. It lives here, not in apps/cli, because apps do not import tools.
const blueprint = `cli_${randomBytes(3).toString('hex')}`;
const tenants = ['acme', 'globex', 'initech'];
const passwordVariable = 'FLEETSHIFT_PW_CLI_TEST_PG';

const v1 = `
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total_cents integer NOT NULL DEFAULT 0);
`;
const v2 = `${v1}
CREATE INDEX orders_user_id_idx ON orders (user_id);
`;

let control: TestDatabase;
let stack: RunningStack | undefined;
let workDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  control = await createTestDatabase('cli_ops');
  const nats = await findNats();
  const server = new URL(control.serverUrl);
  const password = decodeURIComponent(server.password);
  stack = await startStack({
    ports: 'ephemeral',
    env: {
      FLEETSHIFT_NATS_URL: nats,
      FLEETSHIFT_NATS_NAMESPACE: testNamespace('cli'),
      FLEETSHIFT_CONTROL_DB_URL: control.url,
      FLEETSHIFT_SCRATCH_PG_URL: control.serverUrl,
      // Load-based throttling is tested elsewhere (*.serial.test.ts); here the other test files running
      // beside this one must not hold the rollout back. Manual throttles still work.
      FLEETSHIFT_CPU_SOURCE: 'none',
      FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '2000',
      ...(password ? { [passwordVariable]: password } : {}),
    },
  });
  env = {
    FLEETSHIFT_SCHEDULER_ADDR: `127.0.0.1:${stack.scheduler.grpcPort}`,
    FLEETSHIFT_HEALTH_MONITOR_ADDR: `127.0.0.1:${stack.healthMonitor.grpcPort}`,
  };
  workDir = await mkdtemp(path.join(os.tmpdir(), 'fleetshift-cli-'));
  await writeFile(path.join(workDir, 'v1.sql'), v1);
  await writeFile(path.join(workDir, 'v2.sql'), v2);
});

afterAll(async () => {
  await stack?.stop();
  if (control) {
    const admin = new pg.Client({ connectionString: control.serverUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${blueprint}\\_\\_%`]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    await control.drop();
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runFleetshift(args, env);
}

/** Runs a command that must succeed and returns its stdout (the failure shows stderr). */
async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args);
  expect(result.stderr, `fleetshift ${args.join(' ')}`).not.toMatch(/internal error/);
  expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  return result.stdout;
}

async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse(await ok(...args, '--format', 'json')) as T;
}

describe('fleetshift operator commands against a running stack', () => {
  it('registers a cluster, pushes v1, provisions tenants, pushes v2 and rolls it out with --watch', async () => {
    const server = new URL(control.serverUrl);
    const password = server.password ? ['--password-env', passwordVariable] : [];
    const cluster = await json<{ id: string; port: number }>(
      'cluster', 'register', '--id', 'local', '--host', server.hostname, '--port', server.port || '5432',
      '--user', decodeURIComponent(server.username) || 'postgres', '--budget', '8', ...password,
    );
    expect(cluster).toMatchObject({ id: 'local', port: Number(server.port || 5432) });
    expect(await ok('cluster', 'list')).toMatch(/local/);

    const pushed1 = await json<{ created: boolean; version: { version: number } }>(
      'schema', 'push', '--blueprint', blueprint, '--file', path.join(workDir, 'v1.sql'), '--description', 'users and orders',
    );
    expect(pushed1).toMatchObject({ created: true, version: { version: 1 } });

    for (const id of tenants) {
      const tenant = await json<{ id: string; version: number }>(
        'tenant', 'register', '--id', id, '--blueprint', blueprint, '--cluster', 'local', '--label', `name=${id}`, '--label', 'tier=test', '--provision',
      );
      expect(tenant).toMatchObject({ id, version: 1 });
    }
    const listed = await json<Array<{ id: string }>>('tenant', 'list', '--blueprint', blueprint, '--label', 'name=globex');
    expect(listed.map((t) => t.id)).toEqual(['globex']);

    // v2 builds an index: the version allows INDEX_BUILD, or every rollout to it would be refused.
    const pushed2 = await json<{ created: boolean; version: { version: number; allowedHazards: string[] } }>(
      'schema', 'push', '--blueprint', blueprint, '--file', path.join(workDir, 'v2.sql'), '--allow', 'INDEX_BUILD', '--description', 'orders index',
    );
    expect(pushed2).toMatchObject({ created: true, version: { version: 2, allowedHazards: ['INDEX_BUILD'] } });
    const again = await json<{ created: boolean; version: { version: number } }>('schema', 'push', '--blueprint', blueprint, '--file', path.join(workDir, 'v2.sql'), '--allow', 'INDEX_BUILD');
    expect(again).toMatchObject({ created: false, version: { version: 2 } });
    const versions = await json<Array<{ version: number }>>('schema', 'list', '--blueprint', blueprint);
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    expect(await ok('schema', 'show', '--blueprint', blueprint, '--version', '2')).toContain('orders_user_id_idx');

    const watched = await cli('rollout', 'create', '--blueprint', blueprint, '--batch-size', '2', '--canary', '--watch', '--format', 'json');
    expect({ code: watched.code, stderr: watched.stderr }).toMatchObject({ code: 0 });
    const final = JSON.parse(watched.stdout) as { id: string; state: string; counts: { total: number; succeeded: number } };
    expect(final).toMatchObject({ state: 'ROLLOUT_STATE_SUCCEEDED', counts: { total: 3, succeeded: 3 } });
    expect(watched.stderr).toContain(`rollout ${final.id}: 3 tenants`);

    const shown = await ok('rollout', 'show', final.id);
    expect(shown).toMatch(/state\s*│?\s*SUCCEEDED/);
    const rolloutTenants = await json<Array<{ tenantId: string; state: string }>>('rollout', 'tenants', final.id);
    expect(rolloutTenants.map((t) => [t.tenantId, t.state]).sort()).toEqual(tenants.map((id) => [id, 'TENANT_ROLLOUT_STATE_SUCCEEDED']));
    expect(await json<unknown[]>('rollout', 'tenants', final.id, '--state', 'failed')).toEqual([]);
    const rollouts = await json<Array<{ id: string }>>('rollout', 'list', '--blueprint', blueprint);
    expect(rollouts.map((r) => r.id)).toContain(final.id);

    const history = await json<Array<{ kind: string; toVersion: number; rolloutId: string }>>('tenant', 'history', 'globex');
    expect(history.map((e) => e.kind)).toEqual(expect.arrayContaining(['provisioned', 'started', 'succeeded']));
    expect(history.find((e) => e.kind === 'succeeded')).toMatchObject({ toVersion: 2, rolloutId: final.id });
    expect(await ok('tenant', 'history', 'globex')).toMatch(/succeeded/);
    expect(await json<{ version: number }>('tenant', 'show', 'globex')).toMatchObject({ version: 2 });

    // The index really exists in the tenant's database.
    const tenantDb = new pg.Client({ connectionString: databaseUrl(control.serverUrl, `${blueprint}__globex`) });
    await tenantDb.connect();
    try {
      const { rows } = await tenantDb.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_user_id_idx'::regclass`);
      expect(rows).toEqual([{ indisvalid: true }]);
    } finally {
      await tenantDb.end();
    }
  }, 300_000);

  it('manually throttles and clears a cluster through the health monitor', async () => {
    const set = await json<Array<{ clusterId: string; manual?: { mode: string; reason: string } }>>(
      'throttle', 'set', '--cluster', 'local', '--mode', 'throttle', '--ttl', '600', '--reason', 'maintenance window',
    );
    expect(set.find((c) => c.clusterId === 'local')?.manual).toMatchObject({ mode: 'MANUAL_THROTTLE_MODE_THROTTLE', reason: 'maintenance window' });
    expect(await ok('throttle', 'list')).toMatch(/local.*THROTTLED.*throttle until/s);
    const cleared = await json<Array<{ clusterId: string; manual?: { mode: string } }>>('throttle', 'set', '--cluster', 'local', '--mode', 'clear');
    expect(cleared.find((c) => c.clusterId === 'local')?.manual?.mode ?? 'MANUAL_THROTTLE_MODE_UNSPECIFIED').not.toBe('MANUAL_THROTTLE_MODE_THROTTLE');
  });

  it('pauses, resumes and cancels a rollout held back by a manual throttle; watch then exits 1 naming the state', async () => {
    await writeFile(path.join(workDir, 'v3.sql'), `${v2}\nALTER TABLE users ADD COLUMN nickname text;\n`);
    expect(await json<{ version: { version: number } }>('schema', 'push', '--blueprint', blueprint, '--file', path.join(workDir, 'v3.sql'), '--allow', 'INDEX_BUILD'))
      .toMatchObject({ version: { version: 3 } });
    // While the cluster is throttled by hand no tenant starts, so the rollout stays steerable.
    await ok('throttle', 'set', '--cluster', 'local', '--mode', 'throttle', '--reason', 'cli test');
    try {
      const created = await json<{ id: string; state: string }>('rollout', 'create', '--blueprint', blueprint);
      expect(await json<{ state: string }>('rollout', 'pause', created.id)).toMatchObject({ state: 'ROLLOUT_STATE_PAUSED' });
      expect(await json<{ state: string }>('rollout', 'resume', created.id)).toMatchObject({ state: 'ROLLOUT_STATE_RUNNING' });
      const cancelled = await json<{ state: string; counts: { cancelled: number; succeeded?: number } }>('rollout', 'cancel', created.id);
      expect(cancelled).toMatchObject({ state: 'ROLLOUT_STATE_CANCELLED', counts: { cancelled: 3 } });
      expect(cancelled.counts.succeeded).toBeUndefined(); // proto3 JSON leaves out zero fields

      const watched = await cli('rollout', 'watch', created.id);
      expect(watched.code).toBe(1);
      expect(watched.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^rollout ${created.id} ended CANCELLED \\(0 failed of 3\\): cancelled by the operator$`));
      expect(watched.stdout).toMatch(/state\s*│?\s*CANCELLED/);

      const again = await cli('rollout', 'pause', created.id);
      expect(again.code).toBe(2);
      expect(again.stderr.trim()).toMatch(/^rollout pause: rollout .* is ROLLOUT_STATE_CANCELLED: it cannot be paused$/);
    } finally {
      await ok('throttle', 'set', '--cluster', 'local', '--mode', 'clear');
    }
  });

  it('a tenant whose database is missing fails: create --watch exits 1, rollout tenants --state failed names it', async () => {
    await ok('tenant', 'register', '--id', 'ghost', '--blueprint', blueprint, '--cluster', 'local');
    const watched = await cli('rollout', 'create', '--blueprint', blueprint, '--tenants', 'ghost', '--watch', '--format', 'json');
    expect(watched.code).toBe(1);
    const final = JSON.parse(watched.stdout) as { id: string; state: string; counts: { failed: number } };
    expect(final).toMatchObject({ state: 'ROLLOUT_STATE_FAILED', counts: { failed: 1 } });
    expect(watched.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^rollout ${final.id} ended FAILED \\(1 failed of 1\\)`));
    const failed = await json<Array<{ tenantId: string; errorCode: string }>>('rollout', 'tenants', final.id, '--state', 'failed');
    expect(failed.map((t) => t.tenantId)).toEqual(['ghost']);
    expect(failed[0].errorCode).toBeTruthy();
    expect(await ok('rollout', 'tenants', final.id, '--state', 'failed')).toMatch(/ghost.*FAILED/);
  });

  it('a schema with a syntax error is bad input: exit 2, one line with file:line:column, nothing stored', async () => {
    const file = path.join(workDir, 'bad.sql');
    await writeFile(file, 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint,, total integer);\n');
    const result = await cli('schema', 'push', '--blueprint', 'cli_bad_schema', '--file', file);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^schema push: .*bad\.sql:2:\d+/);
    expect(await json<unknown[]>('schema', 'list', '--blueprint', 'cli_bad_schema')).toEqual([]);
  });

  it('an unknown blueprint is bad input: exit 2 and one line', async () => {
    const result = await cli('rollout', 'create', '--blueprint', 'no_such_blueprint');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^rollout create: .*no_such_blueprint/);
  });

  it('an unknown rollout is bad input: exit 2 and one line', async () => {
    const result = await cli('rollout', 'show', '00000000-0000-0000-0000-000000000000');
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^rollout show: /);
  });

  it('a scheduler that is down exits 1 with one line naming its address', async () => {
    const result = await runFleetshift(['tenant', 'list'], { FLEETSHIFT_SCHEDULER_ADDR: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^tenant list: the scheduler at 127\.0\.0\.1:1 is unreachable/);
  });

  it('a health monitor that is down exits 1 naming its address', async () => {
    const result = await runFleetshift(['throttle', 'list'], { FLEETSHIFT_HEALTH_MONITOR_ADDR: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^throttle list: the health monitor at 127\.0\.0\.1:1 is unreachable/);
  });

  it('bad option values are refused before any call: exit 2 and one line', async () => {
    const result = await runFleetshift(['rollout', 'create', '--blueprint', blueprint, '--max-failure-ratio', '1.5'], { FLEETSHIFT_SCHEDULER_ADDR: '127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('--max-failure-ratio 1.5: expected a ratio from 0 to 1');
    const label = await runFleetshift(['tenant', 'list', '--label', 'novalue'], { FLEETSHIFT_SCHEDULER_ADDR: '127.0.0.1:1' });
    expect(label.code).toBe(2);
    expect(label.stderr.trim()).toBe('--label novalue: expected key=value');
  });

  it('cluster register: a password source the services do not allow exits 2 naming the rule; moving a cluster needs --replace', async () => {
    const base = ['cluster', 'register', '--id', 'moving', '--port', '5432', '--user', 'postgres'];
    for (const source of [['--password-env', 'PATH'], ['--password-env', 'FLEETSHIFT_API_TOKEN'], ['--password-file', '/etc/shadow']]) {
      const refused = await cli(...base, '--host', '127.0.0.1', ...source);
      expect({ source, code: refused.code }).toEqual({ source, code: 2 });
      expect(refused.stderr).toMatch(/^cluster register: cluster moving: password_(env|file) ".*" is refused: /);
    }
    const bad = await cli(...base, '--host', '127.0.0.1', '--sslmode', 'sometimes');
    expect([bad.code, bad.stderr.trim()]).toEqual([2, '--sslmode "sometimes": use one of disable, prefer, require, verify-ca, verify-full']);

    const registered = await json<{ host: string; sslmode: string }>(...base, '--host', '127.0.0.1', '--sslmode', 'require', '--password-env', 'FLEETSHIFT_PW_MOVING');
    expect(registered).toMatchObject({ host: '127.0.0.1', sslmode: 'require' });
    const moved = await cli(...base, '--host', '127.0.0.2', '--sslmode', 'require');
    expect(moved.code).toBe(2);
    expect(moved.stderr).toContain('cluster moving is registered at 127.0.0.1:5432; registering it at 127.0.0.2:5432');
    const replaced = await json<{ host: string }>(...base, '--host', '127.0.0.2', '--sslmode', 'require', '--replace');
    expect(replaced.host).toBe('127.0.0.2');
  });
});
