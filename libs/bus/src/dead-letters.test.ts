import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BatchJob } from '@fleetshift/contracts';
import { findNats, testNamespace, waitFor } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchInStream,
  batchMessagesInStream,
  busNames,
  connectBus,
  consumeMaxDeliveries,
  deadLetterBatch,
  decodeMessage,
  encodeMessage,
  ensureClusterConsumer,
  ensureDeadLetterConsumer,
  ensureStreams,
  parseMaxDeliveriesAdvisory,
  type MaxDeliveriesAdvisory,
} from './index.js';

// Real JetStream: a batch no consumer ever acks is given up after max_deliver, the advisory is kept in
// the advisory stream, and the batch is copied to the dead-letter stream and removed from the queue.
const names = busNames(testNamespace('dlq'));
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectBus(await findNats(), 'dead-letter-test');
});

afterAll(async () => {
  const jsm = await ensureStreams(nc, names);
  for (const stream of [names.batchStream, names.resultStream, names.deadBatchStream, names.batchAdvisoryStream]) {
    await jsm.streams.delete(stream).catch(() => undefined);
  }
  await nc.close();
});

describe('dead letters', () => {
  it('a batch NAKed max_deliver times: advisory → copied to <NS>_DEAD_BATCHES, gone from the queue; other batches untouched', async () => {
    const jsm = await ensureStreams(nc, names);
    const js = jetstream(nc);
    await ensureClusterConsumer(jsm, names, 'c1', { maxAckPending: 2, maxDeliver: 3 });
    await ensureDeadLetterConsumer(jsm, names);
    const advisories: MaxDeliveriesAdvisory[] = [];
    const subscription = await consumeMaxDeliveries(js, names, async (advisory) => void advisories.push(advisory), () => undefined);

    const poison = BatchJob.fromPartial({ rolloutId: 'r1', batchNumber: 4, attempt: 2, clusterId: 'c1' });
    const other = BatchJob.fromPartial({ rolloutId: 'r1', batchNumber: 5, attempt: 1, clusterId: 'c1' });
    const { seq } = await js.publish(names.batchSubject('c1'), encodeMessage(BatchJob, poison), { msgID: 'r1:4:2' });
    await js.publish(names.batchSubject('c1'), encodeMessage(BatchJob, other), { msgID: 'r1:5:1' });
    expect((await batchMessagesInStream(jsm, names, 'c1')).map((m) => m.msgId)).toEqual(['r1:4:2', 'r1:5:1']);
    expect(await batchInStream(jsm, names, 'c1', 'r1:4:')).toBe(true);
    expect(await batchInStream(jsm, names, 'c1', 'r1:6:')).toBe(false);

    // An executor that always NAKs the poison batch (and leaves the other one alone, unacked).
    const consumer = await js.consumers.get(names.batchStream, names.clusterConsumer('c1'));
    let naks = 0;
    await waitFor('the poison batch given up', async () => {
      const message = await consumer.next({ expires: 1000 });
      if (message && decodeMessage(BatchJob, message.data).batchNumber === 4) {
        naks++;
        message.nak();
      }
      return advisories;
    }, { accept: (found) => found.length > 0 });
    await subscription.stop();
    expect(naks).toBe(3);
    expect(advisories[0]).toEqual({ stream: names.batchStream, consumer: names.clusterConsumer('c1'), streamSeq: seq, deliveries: 3 });

    const dead = await deadLetterBatch(js, jsm, names, advisories[0], 'no executor acknowledged it');
    expect(dead).toMatchObject({ clusterId: 'c1', msgId: 'r1:4:2', subject: names.batchSubject('c1') });
    expect(decodeMessage(BatchJob, dead!.data)).toMatchObject({ rolloutId: 'r1', batchNumber: 4, attempt: 2 });
    // Copied once even when the advisory is handled twice; the queue keeps only the other batch.
    expect(await deadLetterBatch(js, jsm, names, advisories[0], 'again')).toBeUndefined();
    expect((await batchMessagesInStream(jsm, names, 'c1')).map((m) => m.msgId)).toEqual(['r1:5:1']);
    const copied = await jsm.streams.getMessage(names.deadBatchStream, { last_by_subj: names.deadBatchSubject('c1') });
    expect(copied!.header?.get('Fleetshift-Original-Msg-Id')).toBe('r1:4:2');
    expect(copied!.header?.get('Fleetshift-Deliveries')).toBe('3');
    expect(copied!.header?.get('Fleetshift-Reason')).toBe('no executor acknowledged it');
    expect((await jsm.streams.info(names.deadBatchStream)).state.messages).toBe(1);
  });

  it('an advisory without its fields is a clear error', () => {
    expect(() => parseMaxDeliveriesAdvisory(new TextEncoder().encode('{"stream":"S"}'))).toThrow(/not a MAX_DELIVERIES advisory/);
  });
});
