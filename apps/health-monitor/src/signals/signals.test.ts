import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countActiveSessions } from './active-sessions.js';
import { procStatCpuSource } from './cpu-proc-stat.js';
import { prometheusCpuSource } from './cpu-prometheus.js';
import { listLockWaitersBlockedByFleetshift } from './lock-waiters.js';
import { readReplicationLag } from './replication-lag.js';

// The /proc/stat arithmetic is tested in libs/host-cpu; here, the monitor's CPU source built on it.
describe('/proc/stat CPU', () => {
  it('reads this host\'s CPU as a percentage', async () => {
    const source = procStatCpuSource();
    const first = await source.read();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await source.read();
    for (const value of [first, second]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(100);
    }
  });
});

describe('Prometheus CPU', () => {
  let server: http.Server;
  let url: string;
  const queries: string[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    // A tiny HTTP server that speaks the Prometheus query API (GET /api/v1/query?query=…).
    server = http.createServer((request, response) => {
      const requestUrl = new URL(request.url ?? '/', 'http://localhost');
      if (requestUrl.pathname !== '/prom/api/v1/query') {
        response.statusCode = 404;
        response.end();
        return;
      }
      queries.push(requestUrl.searchParams.get('query') ?? '');
      response.statusCode = answer.status;
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const vector = (...values: string[]) => ({
    status: 'success',
    data: { resultType: 'vector', result: values.map((value, i) => ({ metric: { instance: `db${i}` }, value: [1700000000, value] })) },
  });

  it('sends the query and reads a vector (the highest series) or a scalar', async () => {
    const query = '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",instance="db1:9100"}[1m])))';
    const source = prometheusCpuSource({ url, query, timeoutMs: 2000 });
    answer = { status: 200, body: vector('42.5') };
    expect(await source.read()).toBe(42.5);
    expect(queries.at(-1)).toBe(query);
    answer = { status: 200, body: vector('12', '87.25') };
    expect(await source.read()).toBe(87.25);
    answer = { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1700000000, '7'] } } };
    expect(await source.read()).toBe(7);
  });

  it('fails on an error answer, an empty result or an unreachable server', async () => {
    const source = prometheusCpuSource({ url, query: 'up', timeoutMs: 2000 });
    answer = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' } };
    await expect(source.read()).rejects.toThrow(/HTTP 400.*parse error at char 3/);
    answer = { status: 200, body: vector() };
    await expect(source.read()).rejects.toThrow(/no value/);
    answer = { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } };
    await expect(source.read()).rejects.toThrow(/matrix/);
    const closed = prometheusCpuSource({ url: 'http://127.0.0.1:1', query: 'up', timeoutMs: 1000 });
    await expect(closed.read()).rejects.toThrow();
  });
});

describe('PostgreSQL signals', () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];
  const connect = async (applicationName: string) => {
    const client = new pg.Client({ connectionString: db.url, application_name: applicationName });
    await client.connect();
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const pidOf = async (client: pg.Client) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

  beforeAll(async () => {
    db = await createTestDatabase('hm_signals');
    const setup = await connect('setup');
    await setup.query('CREATE TABLE orders (id int primary key)');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await db?.drop();
  });

  it('counts active sessions, including ones running in other sessions', async () => {
    const sampler = await connect('fleetshift-health-monitor');
    const sleepers = await Promise.all([connect('app'), connect('app'), connect('app')]);
    const running = sleepers.map((s) => s.query('SELECT pg_sleep(2)'));
    await waitFor('3 active sessions counted', async () => (await countActiveSessions(sampler)) >= 3);
    await Promise.all(running);
  });

  it('lists application sessions waiting on a lock held by a Fleetshift session, and only those', async () => {
    const sampler = await connect('fleetshift-health-monitor');
    const executor = await connect('fleetshift-executor');
    const app = await connect('app');
    const appPid = await pidOf(app);

    await executor.query('BEGIN');
    await executor.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    const blocked = app.query('SELECT count(*) FROM orders');
    await waitFor('the app session listed as a waiter', async () => (await listLockWaitersBlockedByFleetshift(sampler)).includes(appPid));
    await executor.query('ROLLBACK');
    await blocked;
    expect(await listLockWaitersBlockedByFleetshift(sampler)).not.toContain(appPid);

    // The same wait behind an application session is not Fleetshift's doing.
    const otherApp = await connect('app-batch-job');
    await otherApp.query('BEGIN');
    await otherApp.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    const blockedByApp = app.query('SELECT count(*) FROM orders');
    await waitFor('the app session waiting on the lock', async () => {
      const waiting = await sampler.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = $2', [appPid, 'Lock']);
      return waiting.rowCount === 1;
    });
    expect(await listLockWaitersBlockedByFleetshift(sampler)).not.toContain(appPid);
    await otherApp.query('ROLLBACK');
    await blockedByApp;
  });

  it('reads replication lag from pg_stat_replication (no replicas on this server)', async () => {
    const sampler = await connect('fleetshift-health-monitor');
    const replicas = (await sampler.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_replication')).rows[0].n;
    const lag = await readReplicationLag(sampler);
    expect(lag.replicas).toBe(replicas);
    if (replicas === 0) expect(lag.maxLagSeconds).toBe(0);
    else expect(lag.maxLagSeconds).toBeGreaterThanOrEqual(0);
  });
});
