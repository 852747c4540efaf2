import * as grpc from '@grpc/grpc-js';
import { HealthMonitorServiceService, ManualThrottleMode, ThrottleLevel, ThrottleSignal } from '@fleetshift/contracts';
import fc from 'fast-check';
import { badOutcome, callMethod, describeRequest, mutatedRequest } from '@fleetshift/testing/request-fuzz';
import { busNames, connectBus, decodeMessage, effectiveThrottleLevel, isStale, openThrottleBucket } from '@fleetshift/bus';
import { findNats, findPostgres, startService, testNamespace, waitFor, type ServiceProcess } from '@fleetshift/testing';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredCluster, startClusterRegistry } from './test-support/cluster-registry.js';
import { healthClient } from './test-support/health-client.js';

const { THROTTLE_LEVEL_OK: OK, THROTTLE_LEVEL_THROTTLED: THROTTLED } = ThrottleLevel;
const { MANUAL_THROTTLE_MODE_THROTTLE: THROTTLE, MANUAL_THROTTLE_MODE_RELEASE: RELEASE, MANUAL_THROTTLE_MODE_CLEAR: CLEAR } =
  ManualThrottleMode;
const sampleIntervalMs = 250;

// The health monitor as a real process against real PostgreSQL and NATS. Clusters a and b are the
// local server with thresholds out of reach (so they sample OK); c points at a closed port, so its
// signals cannot be read and it is THROTTLED by the safe default.
describe('health-monitor process', () => {
  let service: ServiceProcess;
  let client: ReturnType<typeof healthClient>;
  let nc: NatsConnection;
  let kv: KV;
  let env: Record<string, string>;
  const names = busNames(testNamespace('hm'));

  beforeAll(async () => {
    const [pgUrl, natsUrl] = await Promise.all([findPostgres(), findNats()]);
    env = {
      FLEETSHIFT_CLUSTERS: `a=${pgUrl},b=${pgUrl},c=postgresql://postgres@127.0.0.1:1/postgres`,
      FLEETSHIFT_NATS_URL: natsUrl,
      FLEETSHIFT_NATS_NAMESPACE: names.namespace,
      FLEETSHIFT_SAMPLE_INTERVAL_MS: String(sampleIntervalMs),
      FLEETSHIFT_CPU_SOURCE: 'none',
      FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '2000',
      FLEETSHIFT_LOCK_WAITERS_THRESHOLD: '1000',
      FLEETSHIFT_LOCK_WAITERS_RELEASE: '1000',
      FLEETSHIFT_LOCK_WAITERS_CRITICAL: '2000',
    };
    service = await startService('health-monitor', env);
    client = healthClient(`127.0.0.1:${service.grpcPort}`);
    nc = await connectBus(natsUrl, 'hm-process-test');
    kv = await openThrottleBucket(nc, names);
  });
  afterAll(async () => {
    client?.close();
    await service?.stop('SIGKILL');
    await nc?.drain();
  });

  const inBucket = async (cluster: string) => {
    const entry = await kv.get(cluster);
    return entry && entry.value.length > 0 ? decodeMessage(ThrottleSignal, entry.value) : undefined;
  };

  it('samples every cluster: reachable ones OK, the unreachable one THROTTLED, in gRPC and in the bucket', async () => {
    await waitFor('a and b OK, c THROTTLED', async () => {
      const levels = (await client.list()).map((h) => [h.clusterId, h.level]);
      return JSON.stringify(levels) === JSON.stringify([['a', OK], ['b', OK], ['c', THROTTLED]]);
    }, { timeoutMs: 30_000 });
    const c = await client.get('c');
    expect(c.reason).toMatch(/could not be read/);
    expect(c.signals.every((s) => !s.available)).toBe(true);
    const a = await client.get('a');
    expect(a.signals.map((s) => s.name)).toEqual(['active_sessions_per_core', 'lock_waiters']);
    expect(a.signals.every((s) => s.available)).toBe(true);

    const signal = await waitFor('a in the bucket', () => inBucket('a'));
    expect(signal).toMatchObject({ clusterId: 'a', level: OK, sampleIntervalMs });
    expect(isStale(signal, Date.now())).toBe(false);
    expect((await inBucket('c'))?.level).toBe(THROTTLED);
  });

  it('throttles and releases one cluster by hand, and WatchThrottle streams the changes', async () => {
    const watch = client.watch(['a']);
    // The stream opens with the current state of the watched cluster.
    await waitFor('the current state first', () => watch.signals.length >= 1);
    expect(watch.signals[0]).toMatchObject({ clusterId: 'a', level: OK });

    const [throttled] = await client.setManual('a', THROTTLE, 'maintenance window');
    expect(throttled).toMatchObject({ clusterId: 'a', level: THROTTLED, manual: { mode: THROTTLE, reason: 'maintenance window' } });
    expect(throttled.manual!.expiresAt).toBeUndefined();
    const manualSignal = await waitFor('THROTTLED on the stream', () => watch.signals.find((s) => s.level === THROTTLED));
    expect(manualSignal).toMatchObject({ cause: 'manual', reason: 'maintenance window', heartbeat: false });
    expect(await inBucket('a')).toMatchObject({ level: THROTTLED, cause: 'manual' });
    // Still held several samples later, whatever the signals say.
    const held = await waitFor('a later sample', async () => {
      const health = await client.get('a');
      return health.sampledAt!.getTime() > manualSignal.sampledAt!.getTime() + 3 * sampleIntervalMs && health;
    });
    expect(held.level).toBe(THROTTLED);
    expect((await client.get('b')).level).toBe(OK);

    await client.setManual('a', CLEAR);
    await waitFor('OK on the stream after CLEAR', () => watch.signals.find((s) => s.level === OK && s.sequence > manualSignal.sequence));
    expect((await client.get('a')).manual).toBeUndefined();
    // Heartbeats were not asked for, only changes (and the opening state) came.
    expect(watch.signals.slice(1).every((s) => !s.heartbeat)).toBe(true);

    watch.cancel();
    expect((await watch.ended).code).toBe(grpc.status.CANCELLED);
    expect((await client.get('a')).clusterId).toBe('a');
  });

  it('throttles every cluster with "*", and RELEASE forces OK over the signals until cleared', async () => {
    const all = await client.setManual('*', THROTTLE, 'freeze');
    expect(all.map((h) => [h.clusterId, h.level])).toEqual([['a', THROTTLED], ['b', THROTTLED], ['c', THROTTLED]]);
    expect(all.every((h) => h.manual?.mode === THROTTLE)).toBe(true);

    const [released] = await client.setManual('c', RELEASE, 'known outage, go ahead');
    expect(released).toMatchObject({ clusterId: 'c', level: OK, manual: { mode: RELEASE } });
    expect(await inBucket('c')).toMatchObject({ level: OK, cause: 'manual' });

    const cleared = await client.setManual('*', CLEAR);
    expect(cleared.map((h) => [h.clusterId, h.level])).toEqual([['a', OK], ['b', OK], ['c', THROTTLED]]);
    expect(cleared.every((h) => h.manual === undefined)).toBe(true);
  });

  it('reverts a manual throttle by itself when its ttl expires', async () => {
    const before = Date.now();
    const [throttled] = await client.setManual('b', THROTTLE, 'short window', 1);
    const expiresAt = throttled.manual!.expiresAt!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1000);
    expect(throttled.level).toBe(THROTTLED);
    const ok = await waitFor('b OK again in the bucket', async () => {
      const signal = await inBucket('b');
      return signal?.level === OK && signal;
    }, { timeoutMs: 15_000 });
    expect(ok.sampledAt!.getTime()).toBeGreaterThanOrEqual(expiresAt);
    expect((await client.get('b')).manual).toBeUndefined();
  });

  it('refuses unknown clusters and unspecified modes', async () => {
    await expect(client.get('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.setManual('nope', THROTTLE)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.setManual('a', ManualThrottleMode.MANUAL_THROTTLE_MODE_UNSPECIFIED)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(client.setManual('', THROTTLE)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('exports per-cluster signals, levels and seconds throttled as metrics', async () => {
    const metrics = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`).then((r) => r.text());
    const value = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('fleetshift_cluster_throttle_level', 'cluster="a"')).toBe(OK);
    expect(value('fleetshift_cluster_throttle_level', 'cluster="c"')).toBe(THROTTLED);
    expect(value('fleetshift_cluster_throttled_seconds_total', 'cluster="c"')).toBeGreaterThan(0);
    expect(value('fleetshift_cluster_signal', 'cluster="a",signal="lock_waiters"')).toBeGreaterThanOrEqual(0);
  });

  it('sends heartbeats with increasing sequence; once stopped its signal goes stale, and a restart continues the sequence', async () => {
    const heard: ThrottleSignal[] = [];
    const subscription = nc.subscribe(names.throttleSubject('a'));
    void (async () => {
      for await (const message of subscription) heard.push(decodeMessage(ThrottleSignal, message.data));
    })();
    await waitFor('three heartbeats', () => heard.filter((s) => s.heartbeat).length >= 3);
    subscription.unsubscribe();
    const sequences = heard.map((s) => s.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(heard.every((s) => s.level === OK && s.sampleIntervalMs === sampleIntervalMs)).toBe(true);

    // A watcher open at shutdown sees its stream ended by the server (status OK), not cut by the
    // forced shutdown after the drain grace.
    const watch = client.watch([], true);
    await waitFor('heartbeats on a stream that asked for them', () => watch.signals.filter((s) => s.heartbeat).length >= 3);
    expect(new Set(watch.signals.map((s) => s.clusterId))).toEqual(new Set(['a', 'b', 'c']));
    expect(await service.stop('SIGTERM')).toBe(0);
    expect((await watch.ended).code).toBe(grpc.status.OK);
    const last = (await inBucket('a'))!;
    await waitFor('the last signal stale', () => isStale(last, Date.now()), { timeoutMs: 5_000 });
    expect(last.level).toBe(OK);
    expect(effectiveThrottleLevel(last, Date.now())).toBe(THROTTLED);

    service = await startService('health-monitor', env);
    const fresh = await waitFor('a fresh signal after restart', async () => {
      const signal = await inBucket('a');
      return signal && signal.sequence > last.sequence && signal;
    }, { timeoutMs: 30_000 });
    expect(isStale(fresh, Date.now())).toBe(false);
    // A new run is a new epoch: readers order by sequence within an epoch, so a restart must change it.
    expect(fresh.monitorEpoch).not.toBe('');
    expect(fresh.monitorEpoch).not.toBe(last.monitorEpoch);
  });

  it('keeps a manual override across a restart of the monitor process', async () => {
    // The previous test restarted the monitor on a new port.
    client.close();
    client = healthClient(`127.0.0.1:${service.grpcPort}`);
    const [throttled] = await client.setManual('b', THROTTLE, 'maintenance across restart');
    expect(throttled).toMatchObject({ clusterId: 'b', level: THROTTLED });
    expect(await service.stop('SIGTERM')).toBe(0);
    const before = (await inBucket('b'))!;

    service = await startService('health-monitor', env);
    client.close();
    client = healthClient(`127.0.0.1:${service.grpcPort}`);
    // Every signal of the new run for b, from its first one on, is the manual THROTTLED.
    const after = await waitFor('a signal of the new run for b', async () => {
      const signal = await inBucket('b');
      return signal && signal.monitorEpoch !== before.monitorEpoch && signal;
    }, { timeoutMs: 30_000 });
    expect(after).toMatchObject({ level: THROTTLED, cause: 'manual', reason: 'maintenance across restart' });
    const health = await client.get('b');
    expect(health).toMatchObject({ level: THROTTLED, manual: { mode: THROTTLE, reason: 'maintenance across restart' } });

    await client.setManual('b', CLEAR);
    expect(await service.stop('SIGTERM')).toBe(0);
    service = await startService('health-monitor', env);
    client.close();
    client = healthClient(`127.0.0.1:${service.grpcPort}`);
    const cleared = await waitFor('b OK after a restart with the override cleared', async () => {
      const h = await client.get('b').catch(() => undefined);
      return h?.level === OK && h;
    }, { timeoutMs: 30_000 });
    expect(cleared.manual).toBeUndefined();
  });

  it('answers every mutated request of every RPC with OK or a clear refusal (fuzz)', async () => {
    const definitions = HealthMonitorServiceService as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
    const seeds: Record<string, object> = {
      getClusterHealth: { clusterId: 'a' },
      listClusterHealth: { pageSize: 0, pageToken: '' },
      setManualThrottle: { clusterId: 'b', mode: THROTTLE, reason: 'fuzz', ttlSeconds: 1 },
      watchThrottle: { clusterIds: ['a'], includeHeartbeats: false },
    };
    expect(Object.keys(seeds).sort()).toEqual(Object.keys(definitions).sort());
    const raw = new grpc.Client(`127.0.0.1:${service.grpcPort}`, grpc.credentials.createInsecure());
    const problems: string[] = [];
    let sent = 0;
    try {
      for (const [method, seed] of Object.entries(seeds)) {
        const requests = fc.sample(mutatedRequest(seed, { strings: ['a', 'b', 'c', '*'], keepWeight: 1 }), { numRuns: 250, seed: 99 });
        for (let i = 0; i < requests.length; i += 16) {
          await Promise.all(
            requests.slice(i, i + 16).map(async (request) => {
              // A WatchThrottle of clusters not watched (yet) is an open subscription, not a hang: its
              // deadline is short and reaching it is fine.
              const watch = method === 'watchThrottle';
              const outcome = await callMethod(raw, definitions[method], request, new grpc.Metadata(), watch ? 1500 : 10_000);
              if (outcome.unsendable) return;
              sent += 1;
              if (watch && outcome.code === grpc.status.DEADLINE_EXCEEDED) return;
              const bad = badOutcome(outcome);
              if (bad) problems.push(`${method} ${describeRequest(request)} → ${bad}`);
            }),
          );
        }
      }
    } finally {
      await client.setManual('*', CLEAR);
      raw.close();
    }
    console.info(`health-monitor fuzz: ${sent} requests over ${Object.keys(seeds).length} RPCs`);
    expect([...new Set(problems)].slice(0, 20)).toEqual([]);
    expect(sent).toBeGreaterThan(800);
    await expect(client.setManual('a', 99 as ManualThrottleMode)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^mode: 99 is not one of/) });
  });
});

describe('health-monitor configuration', () => {
  it.each([
    ['FLEETSHIFT_SAMPLE_INTERVAL_MS', '100', /^invalid configuration: FLEETSHIFT_SAMPLE_INTERVAL_MS="100": expected an integer >= 250$/m],
    ['FLEETSHIFT_CLUSTERS', 'a=mysql://u:topsecret@h/db', /^invalid configuration: FLEETSHIFT_CLUSTERS: cluster a: expected a postgresql:\/\/ URL$/m],
    ['FLEETSHIFT_CPU_RELEASE', '90', /^invalid configuration: cpu_percent: expected release \(90\) <= threshold \(80\) < critical \(95\)$/m],
    ['FLEETSHIFT_HEARTBEAT_EVERY_SAMPLES', '3', /^invalid configuration: FLEETSHIFT_HEARTBEAT_EVERY_SAMPLES="3": expected an integer <= 2$/m],
    ['FLEETSHIFT_SCHEDULER_ADDR', 'http://scheduler:50052', /^invalid configuration: FLEETSHIFT_SCHEDULER_ADDR="http:\/\/scheduler:50052": expected host:port$/m],
  ])('a bad %s exits with code 2 and one clear line', async (variable, value, message) => {
    const started = startService('health-monitor', { [variable]: value });
    await expect(started).rejects.toThrow(/exited with code 2 before listening/);
    await expect(started).rejects.toThrow(message);
    await expect(started).rejects.not.toThrow(/topsecret/);
  });
});

// Without FLEETSHIFT_CLUSTERS the monitor asks the scheduler (FLEETSHIFT_SCHEDULER_ADDR) for its clusters;
// here a real gRPC TenantService that, like the scheduler, refuses calls without the API token.
describe('health-monitor process with its clusters from the scheduler', () => {
  it('asks ListClusters with the API token and samples the clusters it answers', async () => {
    const token = 'hm-process-token';
    const passwordEnv = 'FLEETSHIFT_PW_HM_PROCESS_PG';
    const registry = await startClusterRegistry({ apiToken: token });
    const [pgUrl, natsUrl] = await Promise.all([findPostgres(), findNats()]);
    const names = busNames(testNamespace('hm_sched'));
    const server = new URL(pgUrl);
    registry.clusters = [
      registeredCluster({
        id: 'registered',
        host: server.hostname,
        port: Number(server.port || 5432),
        adminUser: decodeURIComponent(server.username) || 'postgres',
        passwordEnv: server.password ? passwordEnv : '',
        labels: { cpu_source: 'none' },
      }),
    ];
    let service: ServiceProcess | undefined;
    const nc = await connectBus(natsUrl, 'hm-process-scheduler-test');
    try {
      service = await startService('health-monitor', {
        FLEETSHIFT_SCHEDULER_ADDR: registry.address,
        FLEETSHIFT_API_TOKEN: token,
        FLEETSHIFT_NATS_URL: natsUrl,
        FLEETSHIFT_NATS_NAMESPACE: names.namespace,
        FLEETSHIFT_SAMPLE_INTERVAL_MS: String(sampleIntervalMs),
        FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '1000',
        FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '1000',
        FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '2000',
        FLEETSHIFT_LOCK_WAITERS_THRESHOLD: '1000',
        FLEETSHIFT_LOCK_WAITERS_RELEASE: '1000',
        FLEETSHIFT_LOCK_WAITERS_CRITICAL: '2000',
        ...(server.password ? { [passwordEnv]: decodeURIComponent(server.password) } : {}),
      });
      const kv = await openThrottleBucket(nc, names);
      const signal = await waitFor('the registered cluster OK in the bucket', async () => {
        const entry = await kv.get('registered');
        const decoded = entry && entry.value.length > 0 ? decodeMessage(ThrottleSignal, entry.value) : undefined;
        return decoded?.level === OK && decoded;
      });
      expect(signal).toMatchObject({ clusterId: 'registered', level: OK });
      expect(registry.calls).toBeGreaterThan(0);
      expect(service.logs.find((line) => line.msg === 'cluster source')).toMatchObject({ source: 'scheduler', scheduler: registry.address });
      expect(service.logs.filter((line) => line.msg === 'cannot read the cluster list; keeping the current one')).toEqual([]);
      expect(JSON.stringify(service.logs)).not.toContain(token);
    } finally {
      await service?.stop();
      await nc.drain();
      await registry.stop();
    }
  });
});
