import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busNames, ensureStreams, openPaceBucket, openThrottleBucket } from '@fleetshift/bus';
import { waitFor, workspaceRoot } from '@fleetshift/testing';
import { renderKustomization, type K8sObject } from './render-kustomization.js';
import { startNatsPods, type NatsPod } from './testing/nats-pods.js';

// The NATS of deploy/k8s, run: the rendered ConfigMap's nats.conf on as many servers as the StatefulSet
// has, each at its own address with its own volume and the headless Service's names, form one JetStream
// cluster; a stream with three replicas keeps taking messages, none lost, when its leader's server dies;
// and the services keep the replica count an operator raised their streams to (deploy/README.md "NATS").
let workDir: string;
let pods: NatsPod[] = [];
let client: NatsConnection | undefined;

beforeAll(async () => {
  const objects = await renderKustomization(path.join(workspaceRoot, 'deploy', 'k8s', 'overlays', 'production'));
  const get = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject & { spec: any; data: any };
  const statefulSet = get('StatefulSet', 'nats');
  const dataMount = statefulSet.spec.template.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === statefulSet.spec.volumeClaimTemplates[0].metadata.name);
  workDir = await mkdtemp(path.join(tmpdir(), 'fleetshift-nats-pods-'));
  pods = await startNatsPods({
    config: get('ConfigMap', 'nats-config').data['nats.conf'],
    replicas: statefulSet.spec.replicas,
    serviceName: statefulSet.spec.serviceName,
    dataMountPath: dataMount.mountPath,
    workDir,
  });
});

afterAll(async () => {
  await client?.close();
  await Promise.all(pods.map((pod) => pod.stop()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('deploy/k8s NATS', () => {
  // Requests to a cluster still electing its leaders time out rather than fail: every probe retries.
  const retry = <T>(what: string, request: () => Promise<T>, accept: (value: T) => boolean = () => true) =>
    waitFor(what, () => request().catch(() => undefined), { accept: (value) => value !== undefined && accept(value as T), timeoutMs: 60_000, intervalMs: 250 }) as Promise<T>;

  it('three servers form one JetStream cluster with three-replica streams', async () => {
    expect(pods.map((p) => p.name)).toEqual(['nats-0', 'nats-1', 'nats-2']);
    // The startup probe's own check, on every server.
    for (const pod of pods) {
      await retry(`${pod.name} JetStream healthy`, () => fetch(`http://${pod.ip}:8222/healthz?js-enabled-only=true`).then((r) => r.ok), (ok) => ok);
    }
    client = await connect({ servers: pods.map((p) => `${p.ip}:4222`), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const manager = await retry('the JetStream API', () => jetstreamManager(client!));
    const stream = await retry('a three-replica stream', () =>
      manager.streams.add({ name: 'R3_CHECK', subjects: ['r3.check'], retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: 3 }),
    );
    expect(stream.cluster?.name).toBe('fleetshift');
    await retry('the first message', () => jetstream(client!).publish('r3.check', 'one', { msgID: 'one' }));
    const info = await retry('both followers current', () => manager.streams.info('R3_CHECK'), (i) => i.cluster?.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current));
    expect([info.cluster!.leader, ...info.cluster!.replicas!.map((r) => r.name)].sort()).toEqual(['nats-0', 'nats-1', 'nats-2']);
  });

  it('the services keep the replicas an operator raised their streams, buckets and object store to', async () => {
    const names = busNames('fleetshift');
    const manager = await retry('the JetStream API', () => jetstreamManager(client!));
    const openAll = async () => {
      await ensureStreams(client!, names);
      await openThrottleBucket(client!, names);
      await openPaceBucket(client!, names);
      await new Objm(client!).create(names.planBucket);
      return true;
    };
    // The services create everything with one replica (libs/bus sets none).
    await retry('the services\' streams, buckets and object store', openAll);
    const raised = [names.batchStream, names.resultStream, `KV_${names.throttleBucket}`, `KV_${names.paceBucket}`, `OBJ_${names.planBucket}`];
    for (const stream of raised) {
      const { config } = await retry(`${stream} info`, () => manager.streams.info(stream));
      expect(config.num_replicas).toBe(1);
      // What `nats stream edit <stream> --replicas 3` does.
      await retry(`${stream} raised`, () => manager.streams.update(stream, { ...config, num_replicas: 3 }));
    }
    // A service starting again opens them as it always does.
    await retry('the services reopening them', openAll);
    for (const stream of raised) {
      expect((await retry(`${stream} info`, () => manager.streams.info(stream))).config.num_replicas).toBe(3);
    }
  });

  it("a three-replica stream keeps taking messages, none lost, when its leader's server dies", async () => {
    const manager = await retry('the JetStream API', () => jetstreamManager(client!));
    const before = await retry('the stream leader', () => manager.streams.info('R3_CHECK'), (i) => i.cluster?.leader !== undefined);
    const leader = pods.find((p) => p.name === before.cluster!.leader)!;
    expect(leader).toBeDefined();
    await leader.stop();
    // A retried publish whose first try was stored after all is deduplicated by its id.
    await retry('a publish after the leader died', () => jetstream(client!).publish('r3.check', 'two', { msgID: 'two' }));
    const after = await retry('a new leader', () => manager.streams.info('R3_CHECK'), (i) => i.cluster?.leader !== undefined && i.cluster.leader !== leader.name);
    expect(after.state.messages).toBe(2);
  });
});
