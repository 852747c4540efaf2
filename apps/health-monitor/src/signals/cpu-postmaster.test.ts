import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../clusters/cluster-spec.js';
import { SamplingSession } from '../clusters/sampling-session.js';
import { parseStaticClusters } from '../clusters/static-clusters.js';
import { cpuSourceOf, sampleCluster } from './cluster-sampler.js';
import { localCpuSource } from './cpu-local.js';
import { postmasterCpuSource } from './cpu-postmaster.js';
import { procStatCpuSource } from './cpu-proc-stat.js';
import { chooseCpuSourceSpec, createCpuSource, type CpuSourceDefaults } from './cpu-source-choice.js';
import { findPostmaster, PostmasterNotVisibleError } from './find-postmaster.js';
import { listChildren, looksLikePostgres, readProcPidStat } from './proc-pid-stat.js';
import { signalNames } from './signal-levels.js';

const anyLevel = { threshold: 1e6, release: 1e6, critical: 2e6 };
const levels = {
  [signalNames.cpu]: anyLevel,
  [signalNames.sessions]: anyLevel,
  [signalNames.lockWaiters]: anyLevel,
  [signalNames.replicationLag]: anyLevel,
};

// Against the real local PostgreSQL and the real /proc; an empty directory as /proc plays a server in
// another pid namespace or on another host.
describe('postmaster CPU source', () => {
  let db: TestDatabase;
  let spec: ClusterSpec;
  let session: SamplingSession;
  let other: pg.Client;
  let emptyProc: string;

  beforeAll(async () => {
    db = await createTestDatabase('hm_postmaster');
    [spec] = parseStaticClusters(`local=${db.url}`);
    session = new SamplingSession(spec, 5000);
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
    emptyProc = await mkdtemp(path.join(os.tmpdir(), 'hm-no-proc-'));
  });
  afterAll(async () => {
    await session?.close();
    await other?.end();
    await rm(emptyProc, { recursive: true, force: true });
    await db?.drop();
  });

  it('finds the postmaster through the sampling session: the parent of every backend', async () => {
    const postmaster = await findPostmaster(session);
    expect(await looksLikePostgres(postmaster.pid)).toBe(true);
    // Another connection's backend, found independently, has the same parent.
    const { rows: [{ pid }] } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect((await readProcPidStat(pid))?.ppid).toBe(postmaster.pid);
    expect((await listChildren(postmaster.pid)).map((child) => child.pid)).toContain(pid);
    expect((await readProcPidStat(postmaster.pid))?.starttime).toBe(postmaster.starttime);
  });

  it('reads a share of the machine, between 0 and 100, read after read', async () => {
    const source = postmasterCpuSource({ firstWindowMs: 50 });
    expect(source.kind).toBe('postmaster');
    for (let i = 0; i < 3; i += 1) {
      const value = await source.read({ session });
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(100);
    }
  });

  it('reports a server it cannot see as not visible, naming the backend pid and why', async () => {
    const source = postmasterCpuSource({ procRoot: emptyProc });
    const { rows: [{ pid }] } = await session.use((client) => client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'));
    const error = await source.read({ session }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostmasterNotVisibleError);
    expect((error as Error).message).toBe(
      `the server's backend pid ${pid} is not in ${emptyProc} on this host: PostgreSQL runs on another host or in another pid namespace`,
    );
    await expect(source.read()).rejects.toThrow(/needs the cluster's sampling session/);
  });

  it('is sampled as cpu_percent with its source; an invisible server makes the signal unavailable', async () => {
    const seen = await sampleCluster({ session, cpu: postmasterCpuSource({ firstWindowMs: 50 }), cores: 2, levels });
    const cpu = seen.signals.find((s) => s.name === signalNames.cpu);
    expect(cpu).toMatchObject({ available: true, source: 'postmaster' });
    expect(seen.signals.filter((s) => s.source !== '')).toHaveLength(1);
    expect(cpuSourceOf(seen.signals, true)).toBe('postmaster');

    const blind = await sampleCluster({ session, cpu: postmasterCpuSource({ procRoot: emptyProc }), cores: 2, levels });
    expect(blind.signals.find((s) => s.name === signalNames.cpu)).toMatchObject({ available: false, source: 'postmaster' });
    expect(blind.errors.join('\n')).toMatch(/^cpu_percent \(postmaster\): the server's backend pid \d+ is not in /m);

    const without = await sampleCluster({ session, cores: 2, levels });
    expect(cpuSourceOf(without.signals, true)).toBe('none');
    expect(cpuSourceOf([], false)).toBe('');
  });

  it('auto on a local cluster falls back to the whole host when the postmaster is not visible, and says so', async () => {
    const source = localCpuSource(postmasterCpuSource({ procRoot: emptyProc }), () => procStatCpuSource(undefined, 50));
    expect(source.kind).toBe('postmaster');
    const value = await source.read({ session });
    expect(value).toBeGreaterThanOrEqual(0);
    expect(source.kind).toBe('proc-stat');

    // Other errors (here: no session to ask) do not fall back.
    const strict = localCpuSource(postmasterCpuSource(), () => procStatCpuSource());
    await expect(strict.read()).rejects.toThrow(/needs the cluster's sampling session/);
    expect(strict.kind).toBe('postmaster');
  });
});

describe('CPU source choice', () => {
  const defaults: CpuSourceDefaults = { source: 'auto', prometheusQuery: 'busy{instance="{host}:{port}"}', prometheusQueries: {} };
  const local = { id: 'local', host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
  const remote = { ...local, id: 'remote', host: 'db1.internal' };

  it('auto: the postmaster (falling back to the host) for a local cluster, never for a remote one', () => {
    expect(chooseCpuSourceSpec(local, defaults)).toEqual({ kind: 'postmaster', hostFallback: true });
    expect(chooseCpuSourceSpec({ ...local, host: '/var/run/postgresql' }, defaults)).toEqual({ kind: 'postmaster', hostFallback: true });
    expect(chooseCpuSourceSpec(remote, defaults)).toEqual({ kind: 'none' });
    expect(chooseCpuSourceSpec(remote, { ...defaults, prometheusUrl: 'http://prom:9090' })).toEqual({
      kind: 'prometheus',
      url: 'http://prom:9090',
      query: 'busy{instance="db1.internal:5432"}',
    });
    expect(createCpuSource(chooseCpuSourceSpec(local, defaults), 1000)?.kind).toBe('postmaster');
  });

  it('explicit choices: postmaster (no fallback), proc-stat, pg-stats; a cluster\'s own spec wins', () => {
    expect(chooseCpuSourceSpec(remote, { ...defaults, source: 'postmaster' })).toEqual({ kind: 'postmaster' });
    expect(chooseCpuSourceSpec(local, { ...defaults, source: 'proc-stat' })).toEqual({ kind: 'proc-stat' });
    expect(chooseCpuSourceSpec(remote, { ...defaults, source: 'pg-stats' })).toEqual({ kind: 'pg-stats' });
    expect(chooseCpuSourceSpec({ ...local, cpu: { kind: 'proc-stat' } }, { ...defaults, source: 'postmaster' })).toEqual({ kind: 'proc-stat' });
    expect(createCpuSource({ kind: 'pg-stats' }, 1000)).toMatchObject({ kind: 'pg-stats', signal: signalNames.xactRate });
    expect(createCpuSource({ kind: 'proc-stat' }, 1000)?.kind).toBe('proc-stat');
  });
});
