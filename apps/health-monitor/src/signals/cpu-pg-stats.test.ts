import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../clusters/cluster-spec.js';
import { SamplingSession } from '../clusters/sampling-session.js';
import { parseStaticClusters } from '../clusters/static-clusters.js';
import { sampleCluster } from './cluster-sampler.js';
import { pgStatsCpuSource, readTransactionTotal, slideWindow, transactionRate, type XactReading } from './cpu-pg-stats.js';
import { signalNames } from './signal-levels.js';

describe('pg-stats transaction rate arithmetic', () => {
  const at = (atMs: number, xacts: number): XactReading => ({ atMs, xacts });

  it('spans about one window: keeps the newest reading at least a window old', () => {
    let readings: XactReading[] = [];
    for (const reading of [at(0, 0), at(1000, 100), at(2000, 300), at(3000, 600)]) readings = slideWindow(readings, reading, 2000);
    expect(readings).toEqual([at(1000, 100), at(2000, 300), at(3000, 600)]);
    // 500 transactions over 2 s.
    expect(transactionRate(readings)).toBe(250);
    readings = slideWindow(readings, at(3500, 700), 2000);
    expect(readings[0]).toEqual(at(1000, 100));
    expect(transactionRate(readings)).toBe(240);
  });

  it('starts over after a statistics reset; 0 without two readings or time between them', () => {
    expect(slideWindow([at(0, 500), at(1000, 900)], at(2000, 10), 5000)).toEqual([at(2000, 10)]);
    expect(transactionRate([at(2000, 10)])).toBe(0);
    expect(transactionRate([])).toBe(0);
    expect(transactionRate([at(1000, 1), at(1000, 5)])).toBe(0);
  });
});

// Against the real local PostgreSQL: transactions of another session show up in the total and the rate.
describe('pg-stats source', () => {
  let db: TestDatabase;
  let spec: ClusterSpec;
  let session: SamplingSession;
  let worker: pg.Client;
  const anyLevel = { threshold: 1e6, release: 1e6, critical: 2e6 };
  const levels = {
    [signalNames.cpu]: anyLevel,
    [signalNames.sessions]: anyLevel,
    [signalNames.lockWaiters]: anyLevel,
    [signalNames.replicationLag]: anyLevel,
  };

  beforeAll(async () => {
    db = await createTestDatabase('hm_pg_stats');
    [spec] = parseStaticClusters(`local=${db.url}`);
    session = new SamplingSession(spec, 5000);
    worker = new pg.Client({ connectionString: db.url });
    await worker.connect();
  });
  afterAll(async () => {
    await session?.close();
    await worker?.end();
    await db?.drop();
  });

  /** 200 transactions, then their statistics flushed (pg_stat_force_next_flush acts at the next statement). */
  const runTransactions = async () => {
    for (let i = 0; i < 200; i += 1) await worker.query('SELECT 1');
    await worker.query('SELECT pg_stat_force_next_flush()');
    await worker.query('SELECT 1');
  };

  it('counts the transactions of every session', async () => {
    const before = await session.use(readTransactionTotal);
    await runTransactions();
    await waitFor('200 more transactions in pg_stat_database', async () => (await session.use(readTransactionTotal)) - before >= 200);
  });

  it('is sampled as xact_rate (not cpu_percent) with its levels and source', async () => {
    const source = pgStatsCpuSource({ firstWindowMs: 10 });
    const quiet = await sampleCluster({ session, cpu: source, cores: 2, levels: { ...levels, [signalNames.xactRate]: { threshold: 50, release: 10, critical: 500 } } });
    expect(quiet.signals.find((s) => s.name === signalNames.cpu)).toBeUndefined();
    expect(quiet.signals.find((s) => s.name === signalNames.xactRate)).toMatchObject({ available: true, source: 'pg-stats', threshold: 50, release: 10, critical: 500 });
    expect(quiet.errors).toEqual([]);

    await runTransactions();
    const busy = await waitFor('the rate to show the 200 transactions', () => source.read({ session }), { accept: (rate) => rate > 0 });
    expect(busy).toBeGreaterThan(0);

    const unconfigured = await sampleCluster({ session, cpu: pgStatsCpuSource({ firstWindowMs: 10 }), cores: 2, levels });
    expect(unconfigured.signals.find((s) => s.name === signalNames.xactRate)).toMatchObject({ available: false, source: 'pg-stats' });
    expect(unconfigured.errors).toEqual(['xact_rate (pg-stats): no threshold, release and critical levels configured for it']);
  });
});
