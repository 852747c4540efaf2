import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualThrottleMode, ThrottleLevel, type ThrottleSignal } from '@fleetshift/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSource } from './clusters/cluster-source.js';
import type { ClusterSpec } from './clusters/cluster-spec.js';
import { schedulerClusterSource } from './clusters/scheduler-clusters.js';
import { parseStaticClusters } from './clusters/static-clusters.js';
import { FleetMonitor, type FleetMonitorOptions } from './fleet-monitor.js';
import { signalNames } from './signals/signal-levels.js';
import { registeredCluster, startClusterRegistry } from './test-support/cluster-registry.js';

const { THROTTLE_LEVEL_OK: OK, THROTTLE_LEVEL_THROTTLED: THROTTLED, THROTTLE_LEVEL_CRITICAL: CRITICAL } = ThrottleLevel;
const out = { threshold: 1e6, release: 1e6, critical: 2e6 };

// The monitor in-process (signals → decision → published signals) against real PostgreSQL and a
// local HTTP server speaking the Prometheus API; NATS publishing is covered by the process tests.
describe('FleetMonitor', () => {
  let db: TestDatabase;
  let local: ClusterSpec;
  let monitor: FleetMonitor | undefined;
  const published: ThrottleSignal[] = [];
  const clients: pg.Client[] = [];

  const options = (source: ClusterSource, overrides: Partial<FleetMonitorOptions> = {}): FleetMonitorOptions => ({
    source,
    sinks: [{ publish: async (signal) => void published.push(signal) }],
    logger: pino({ level: 'silent' }),
    sampleIntervalMs: 250,
    heartbeatEverySamples: 1,
    refreshIntervalMs: 60_000,
    hysteresis: { throttleAfterSamples: 3, releaseAfterSamples: 5 },
    pace: { targetCpu: 60, band: 10, min: 1, max: 16, decreaseFactor: 0.7 },
    levels: {
      [signalNames.cpu]: { threshold: 80, release: 60, critical: 95 },
      [signalNames.sessions]: out,
      [signalNames.lockWaiters]: out,
      [signalNames.replicationLag]: out,
    },
    cpu: { source: 'none', prometheusQuery: '', prometheusQueries: {} },
    defaultRemoteCores: 2,
    ...overrides,
  });
  const levelOf = (id: string) => monitor!.health(id).level;

  beforeAll(async () => {
    db = await createTestDatabase('hm_fleet');
    [local] = parseStaticClusters(`local=${db.url}`);
  });
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
    published.length = 0;
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(() => db?.drop());

  it('re-reads its cluster source: new clusters are watched, removed ones dropped', async () => {
    let listed: ClusterSpec[] = [{ ...local, id: 'one' }];
    monitor = new FleetMonitor(options({ kind: 'test', list: async () => listed }));
    await monitor.start();
    await waitFor('one OK', () => levelOf('one') === OK);
    listed = [{ ...local, id: 'one' }, { ...local, id: 'two' }];
    await monitor.refresh();
    await waitFor('two OK', () => levelOf('two') === OK);
    // A changed registration (here: cores) keeps the manual override.
    await monitor.setManual('two', ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE, 'kept', 0);
    listed = [{ ...local, id: 'one' }, { ...local, id: 'two', cores: 64 }];
    await monitor.refresh();
    expect(monitor.health('two')).toMatchObject({ level: THROTTLED, manual: { reason: 'kept' } });
    listed = [{ ...local, id: 'two' }];
    await monitor.refresh();
    expect(monitor.clusterIds()).toEqual(['two']);
    expect(() => monitor!.health('one')).toThrow(/not watched/);
  });

  it('waits for the scheduler, watches what it lists, and keeps sampling while it is briefly unreachable (logged once per outage)', async () => {
    const registry = await startClusterRegistry();
    await registry.stop(); // the scheduler is not up yet
    const logs: Array<{ msg: string; err?: { message: string } }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const scheduler = schedulerClusterSource({ address: registry.address, callTimeoutMs: 2_000 });
    let attempts = 0;
    const source: ClusterSource = {
      kind: scheduler.kind,
      list: () => {
        attempts += 1;
        return scheduler.list();
      },
      close: scheduler.close,
    };
    const unreadable = () => logs.filter((l) => l.msg === 'cannot read the cluster list; keeping the current one');
    const readableAgain = () => logs.filter((l) => l.msg === 'cluster list readable again');
    const registration = { host: local.host, port: local.port, adminUser: local.user, maintenanceDatabase: local.database, labels: { cpu_source: 'none' } };
    try {
      // The periodic refresh every second (the shortest FLEETSHIFT_CLUSTER_REFRESH_MS), so that an outage
      // after a good read is noticed within the test.
      monitor = new FleetMonitor(options(source, { logger, refreshIntervalMs: 1_000 }));
      await monitor.start();
      expect(monitor.clusterIds()).toEqual([]);
      await waitFor('three attempts while the scheduler is not up', () => attempts >= 3, { timeoutMs: 15_000 });
      expect(unreadable()).toHaveLength(1);
      expect(unreadable()[0].err?.message).toContain(`cannot list clusters: the scheduler at ${registry.address} is unreachable (UNAVAILABLE)`);

      registry.clusters = [registeredCluster({ ...registration, id: 'late' })];
      await registry.start(); // same port, as a scheduler that comes up
      await waitFor('the registered cluster sampled', () => monitor!.clusterIds().includes('late') && levelOf('late') === OK, { timeoutMs: 15_000 });
      expect(readableAgain()).toHaveLength(1);

      // The scheduler goes away for a while: the monitor keeps the clusters it knows and goes on sampling them.
      await registry.stop();
      const attemptsBefore = attempts;
      await waitFor('three attempts while the scheduler is away', () => attempts >= attemptsBefore + 3, { timeoutMs: 15_000 });
      expect(unreadable()).toHaveLength(2);
      expect(monitor.clusterIds()).toEqual(['late']);
      const lastSequence = published.filter((s) => s.clusterId === 'late').at(-1)!.sequence;
      await waitFor('late still sampled', () => published.some((s) => s.clusterId === 'late' && s.sequence > lastSequence));
      expect(levelOf('late')).toBe(OK);

      // Back, with one more cluster: picked up at the next attempt, and the outage ends in one line.
      registry.clusters = [...registry.clusters, registeredCluster({ ...registration, id: 'later' })];
      await registry.start();
      await waitFor('the new cluster watched', () => monitor!.clusterIds().includes('later'), { timeoutMs: 15_000 });
      expect(monitor.clusterIds()).toEqual(['late', 'later']);
      expect(unreadable()).toHaveLength(2);
      expect(readableAgain()).toHaveLength(2);
    } finally {
      await monitor?.stop();
      monitor = undefined;
      await registry.stop();
    }
  });

  it('throttles a cluster whose application sessions wait on a lock held by a Fleetshift session', async () => {
    const connect = async (name: string) => {
      const client = new pg.Client({ connectionString: db.url, application_name: name });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return client;
    };
    const executor = await connect('fleetshift-executor');
    await executor.query('CREATE TABLE IF NOT EXISTS accounts (id int)');
    monitor = new FleetMonitor(
      options(
        { kind: 'test', list: async () => [local] },
        { levels: { ...options({ kind: 'x', list: async () => [] }).levels, [signalNames.lockWaiters]: { threshold: 0, release: 0, critical: 10 } } },
      ),
    );
    await monitor.start();
    await waitFor('OK before the lock', () => levelOf('local') === OK, { timeoutMs: 30_000 });

    await executor.query('BEGIN');
    await executor.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    const app = await connect('billing-app');
    const blocked = app.query('SELECT count(*) FROM accounts');
    await waitFor('THROTTLED by lock waiters', () => levelOf('local') === THROTTLED, { timeoutMs: 10_000 });
    const health = monitor.health('local');
    // (Other work on the same server may add waiters of its own: at least ours is counted.)
    expect(health.reason).toMatch(/^lock_waiters \d+ above threshold 0 for 3 samples$/);
    expect(health.signals.find((s) => s.name === signalNames.lockWaiters)?.value).toBeGreaterThanOrEqual(1);

    await executor.query('ROLLBACK');
    await blocked;
    await waitFor('OK after the lock is gone', () => levelOf('local') === OK, { timeoutMs: 30_000 });
  });

  describe('with a Prometheus CPU source', () => {
    let server: http.Server;
    let url: string;
    let cpu = '10';
    beforeAll(async () => {
      server = http.createServer((_request, response) => {
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, cpu] }] } }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('goes CRITICAL at once above the critical level, THROTTLED below it, OK after the release samples', async () => {
      cpu = '10';
      monitor = new FleetMonitor(options({ kind: 'test', list: async () => [{ ...local, cpu: { kind: 'prometheus', url, query: 'busy' } }] }));
      await monitor.start();
      await waitFor('OK at 10 %', () => levelOf('local') === OK);

      cpu = '97';
      const critical = await waitFor('CRITICAL on the first hot sample', () => published.find((s) => s.level === CRITICAL));
      // No sample between OK and CRITICAL: critical does not wait for N samples.
      const before = published.filter((s) => s.sequence < critical.sequence).at(-1)!;
      expect(before.level).toBe(OK);
      expect(before.signals.find((s) => s.name === signalNames.cpu)?.value).toBe(10);
      expect(critical).toMatchObject({ cause: 'cpu_percent', reason: 'cpu_percent 97 above critical 95', heartbeat: false });

      cpu = '70';
      await waitFor('THROTTLED below critical', () => published.find((s) => s.sequence > critical.sequence && s.level === THROTTLED));
      cpu = '50';
      const ok = await waitFor('OK after release', () => published.find((s) => s.sequence > critical.sequence && s.level === OK));
      const calm = published.filter((s) => s.sequence < ok.sequence && s.signals.find((x) => x.name === signalNames.cpu)?.value === 50);
      expect(calm.length).toBeGreaterThanOrEqual(4);
    });

    it('treats an unreachable Prometheus as an unreadable signal: THROTTLED, with the error in the reason', async () => {
      monitor = new FleetMonitor(
        options({ kind: 'test', list: async () => [{ ...local, cpu: { kind: 'prometheus', url: 'http://127.0.0.1:1', query: 'busy' } }] }),
      );
      await monitor.start();
      await waitFor('THROTTLED', () => levelOf('local') === THROTTLED);
      const health = monitor.health('local');
      expect(health.reason).toMatch(/cpu_percent could not be read/);
      expect(health.signals.find((s) => s.name === signalNames.cpu)?.available).toBe(false);
    });
  });
});
