import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, workspaceRoot } from '@fleetshift/testing';
import { renderKustomization, type K8sObject } from './render-kustomization.js';
import { startNatsPods, type NatsPod } from './testing/nats-pods.js';

// The NATS of deploy/k8s, run: the rendered ConfigMap's nats.conf on as many servers as the StatefulSet
// has, each at its own address with its own volume and the headless Service's names, form one JetStream
// cluster; a stream with three replicas keeps taking messages, none lost, when its leader's server dies.
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
  it('three servers form one JetStream cluster, and a three-replica stream survives its leader', async () => {
    expect(pods.map((p) => p.name)).toEqual(['nats-0', 'nats-1', 'nats-2']);
    // The startup probe's own check, on every server.
    for (const pod of pods) {
      await waitFor(`${pod.name} JetStream healthy`, () => fetch(`http://${pod.ip}:8222/healthz?js-enabled-only=true`).then((r) => r.ok, () => false), { timeoutMs: 60_000, intervalMs: 250 });
    }
    client = await connect({ servers: pods.map((p) => `${p.ip}:4222`), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const manager = await jetstreamManager(client);
    const stream = await waitFor(
      'a three-replica stream',
      () =>
        manager.streams
          .add({ name: 'R3_CHECK', subjects: ['r3.check'], retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: 3 })
          .catch(() => undefined),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(stream.cluster?.name).toBe('fleetshift');
    const js = jetstream(client);
    await js.publish('r3.check', 'one');
    const info = await waitFor('all replicas current', () => manager.streams.info('R3_CHECK'), {
      accept: (i) => i.cluster?.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current),
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const leader = pods.find((p) => p.name === info.cluster!.leader)!;
    expect(leader).toBeDefined();

    await leader.stop();
    await waitFor('a publish after the leader died', () => js.publish('r3.check', 'two').then(() => true, () => false), { timeoutMs: 60_000, intervalMs: 500 });
    const after = await waitFor('the new leader', () => manager.streams.info('R3_CHECK').catch(() => undefined), {
      accept: (i) => i !== undefined && i.cluster?.leader !== undefined && i.cluster.leader !== leader.name,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(after!.state.messages).toBe(2);
  });
});
