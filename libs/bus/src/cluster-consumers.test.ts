import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BatchJob } from '@fleetshift/contracts';
import { findNats, testNamespace } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busNames,
  connectBus,
  decodeMessage,
  encodeMessage,
  ensureClusterConsumer,
  ensureStreams,
  listClusterConsumers,
  maxAckPendingFor,
  boundClusterDeliveries,
  clusterConsumerDefaults,
} from './index.js';

const names = busNames(testNamespace('bus'));
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectBus(await findNats(), 'bus-test');
});

afterAll(async () => {
  const jsm = await ensureStreams(nc, names);
  await jsm.streams.delete(names.batchStream).catch(() => undefined);
  await jsm.streams.delete(names.resultStream).catch(() => undefined);
  await jsm.streams.delete(names.deadBatchStream).catch(() => undefined);
  await jsm.streams.delete(names.batchAdvisoryStream).catch(() => undefined);
  await nc.close();
});

describe('cluster consumers', () => {
  it('derives max_ack_pending from the connection budget', () => {
    expect(maxAckPendingFor(10, 4)).toBe(2);
    expect(maxAckPendingFor(3, 4)).toBe(1);
    expect(maxAckPendingFor(0, 0)).toBe(1);
  });

  it('creates one consumer per cluster, lists them, and each gets only its cluster’s batches', async () => {
    const jsm = await ensureStreams(nc, names);
    const a = await ensureClusterConsumer(jsm, names, 'alpha', { connectionBudget: 8, tenantConcurrency: 4 });
    await ensureClusterConsumer(jsm, names, 'alpha', { connectionBudget: 8, tenantConcurrency: 4 });
    await ensureClusterConsumer(jsm, names, 'beta');
    expect(a.maxAckPending).toBe(2);

    const listed = await listClusterConsumers(jsm, names);
    expect(listed.map((c) => [c.clusterId, c.maxAckPending])).toEqual([
      ['alpha', 2],
      ['beta', 1],
    ]);

    const js = jetstream(nc);
    const job = BatchJob.fromPartial({ rolloutId: 'r1', batchNumber: 1, clusterId: 'beta', clusterConnectionBudget: 3 });
    const ack1 = await js.publish(names.batchSubject('beta'), encodeMessage(BatchJob, job), { msgID: 'r1:1:0' });
    const ack2 = await js.publish(names.batchSubject('beta'), encodeMessage(BatchJob, job), { msgID: 'r1:1:0' });
    expect(ack2.duplicate).toBe(true);
    expect(ack2.seq).toBe(ack1.seq);

    const alpha = await js.consumers.get(names.batchStream, names.clusterConsumer('alpha'));
    expect(await alpha.next({ expires: 1000 })).toBeNull();
    const beta = await js.consumers.get(names.batchStream, names.clusterConsumer('beta'));
    const message = await beta.next({ expires: 5000 });
    expect(message).not.toBeNull();
    expect(decodeMessage(BatchJob, message!.data).clusterConnectionBudget).toBe(3);
    message!.ack();
  });

  it('updates max_ack_pending when the budget changes', async () => {
    const jsm = await ensureStreams(nc, names);
    await ensureClusterConsumer(jsm, names, 'gamma', { maxAckPending: 1 });
    await ensureClusterConsumer(jsm, names, 'gamma', { maxAckPending: 5 });
    const info = await jsm.consumers.info(names.batchStream, names.clusterConsumer('gamma'));
    expect(info.config.max_ack_pending).toBe(5);
  });

  it('bounds redelivery: max_deliver 5 by default, set on consumers made unbounded before, never resized by it', async () => {
    const jsm = await ensureStreams(nc, names);
    const made = await ensureClusterConsumer(jsm, names, 'delta', { maxAckPending: 3 });
    expect(made.maxDeliver).toBe(clusterConsumerDefaults.maxDeliver);
    expect((await jsm.consumers.info(names.batchStream, names.clusterConsumer('delta'))).config.max_deliver).toBe(5);
    // A consumer from before the bound (-1): re-ensuring it, or bounding every consumer, sets it.
    await jsm.consumers.update(names.batchStream, names.clusterConsumer('delta'), { max_deliver: -1 });
    expect(await boundClusterDeliveries(jsm, names, 7)).toContain('delta');
    expect(await boundClusterDeliveries(jsm, names, 7)).toEqual([]);
    const info = await jsm.consumers.info(names.batchStream, names.clusterConsumer('delta'));
    expect([info.config.max_deliver, info.config.max_ack_pending]).toEqual([7, 3]);
    await expect(boundClusterDeliveries(jsm, names, 0)).rejects.toThrow(/max_deliver of a cluster consumer must be a whole number >= 1, got 0/);
  });
});
