import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, findNats, runFleetshift, testNamespace, type TestDatabase } from '@fleetshift/testing';
import { startStack, type RunningStack } from './stack.js';

// A full rollout through every service with a known API token and a known database password, every line
// each service prints captured: neither secret may appear in any of them, plainly or URL-encoded, on the
// happy path or on the error paths (a wrong token, an unreachable cluster).
const blueprint = `sec_${randomBytes(3).toString('hex')}`;
const token = `tok-${randomBytes(12).toString('hex')}`;
const password = `pw/${randomBytes(12).toString('hex')}@:`;
const passwordVariable = 'FLEETSHIFT_PW_SECRET_TEST';
const secrets = [token, password, encodeURIComponent(password)];

let control: TestDatabase;
let stack: RunningStack | undefined;
let workDir: string;
const lines: string[] = [];

beforeAll(async () => {
  control = await createTestDatabase('secrets');
  stack = await startStack({
    ports: 'ephemeral',
    onLine: (service, line) => lines.push(`${service}: ${line}`),
    env: {
      FLEETSHIFT_NATS_URL: await findNats(),
      FLEETSHIFT_NATS_NAMESPACE: testNamespace('secrets'),
      FLEETSHIFT_CONTROL_DB_URL: control.url,
      FLEETSHIFT_SCRATCH_PG_URL: control.serverUrl,
      FLEETSHIFT_API_TOKEN: token,
      FLEETSHIFT_LOG_LEVEL: 'debug',
      [passwordVariable]: password,
      FLEETSHIFT_CPU_SOURCE: 'none',
      FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '2000',
    },
  });
  workDir = await mkdtemp(path.join(os.tmpdir(), 'fleetshift-secrets-'));
  await writeFile(path.join(workDir, 'v1.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);');
  await writeFile(path.join(workDir, 'v2.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text);');
});

afterAll(async () => {
  await stack?.stop();
  if (control) {
    const admin = new pg.Client({ connectionString: control.serverUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${blueprint}\\_\\_%`]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    await control.drop();
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('no secret in any log line', () => {
  it('a rollout with a known token and password, and the error paths, print neither', async () => {
    const env = {
      FLEETSHIFT_SCHEDULER_ADDR: `127.0.0.1:${stack!.scheduler.grpcPort}`,
      FLEETSHIFT_HEALTH_MONITOR_ADDR: `127.0.0.1:${stack!.healthMonitor.grpcPort}`,
      FLEETSHIFT_API_TOKEN: token,
    };
    const cli = async (...args: string[]) => {
      const result = await runFleetshift(args, env);
      lines.push(`cli: ${result.stdout}`, `cli: ${result.stderr}`);
      return result;
    };
    const server = new URL(control.serverUrl);
    const ok = async (...args: string[]) => {
      const result = await cli(...args);
      expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
      return result.stdout;
    };
    await ok('cluster', 'register', '--id', 'local', '--host', server.hostname, '--port', server.port || '5432', '--user', 'postgres', '--password-env', passwordVariable);
    await ok('schema', 'push', '--blueprint', blueprint, '--file', path.join(workDir, 'v1.sql'));
    for (const id of ['a', 'b']) await ok('tenant', 'register', '--id', id, '--blueprint', blueprint, '--cluster', 'local', '--provision');
    await ok('schema', 'push', '--blueprint', blueprint, '--file', path.join(workDir, 'v2.sql'));
    const watched = await cli('rollout', 'create', '--blueprint', blueprint, '--watch', '--format', 'json');
    expect({ code: watched.code, stderr: watched.stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(watched.stdout)).toMatchObject({ state: 'ROLLOUT_STATE_SUCCEEDED', counts: { succeeded: 2 } });

    // Error paths: a wrong token, and a cluster whose host refuses connections (its tenant cannot be provisioned).
    const refused = await runFleetshift(['cluster', 'list'], { ...env, FLEETSHIFT_API_TOKEN: `${token}-wrong` });
    lines.push(`cli: ${refused.stdout}`, `cli: ${refused.stderr}`);
    expect(refused.code).not.toBe(0);
    await ok('cluster', 'register', '--id', 'gone', '--host', '127.0.0.1', '--port', '1', '--user', 'postgres', '--password-env', passwordVariable);
    const unreachable = await cli('tenant', 'register', '--id', 'c', '--blueprint', blueprint, '--cluster', 'gone', '--provision');
    expect(unreachable.code).not.toBe(0);

    // The services did log (the check below is not vacuous), and no line holds a secret.
    expect(lines.filter((l) => /^(planner|scheduler|executor|health-monitor)/.test(l)).length).toBeGreaterThan(20);
    for (const secret of secrets) {
      const leaking = lines.filter((line) => line.includes(secret));
      expect(leaking, `lines containing a secret`).toEqual([]);
    }
  });
});
