import { headers } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { BusNames } from './bus-names.js';

/** How long the scheduler may hold an advisory before JetStream delivers it again. */
const advisoryAckWaitMs = 30_000;
/** Pause before an advisory whose handling failed is delivered again. */
const retryDelayMs = 1_000;

/** JetStream's io.nats.jetstream.advisory.v1.max_deliver, the fields Fleetshift reads. */
export interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  /** The stream sequence of the message given up on. */
  streamSeq: number;
  deliveries: number;
}

/** A batch message copied to the dead-letter stream. */
export interface DeadLetteredBatch {
  /** Its subject in the batch stream, `<ns>.batch.<cluster>`. */
  subject: string;
  clusterId: string;
  /** Its Nats-Msg-Id (`<rollout>:<batch>:<attempt>`, or a continuation's), '' when it had none. */
  msgId: string;
  data: Uint8Array;
}

/** Decodes an advisory; a message that is not one is a clear error naming what is missing. */
export function parseMaxDeliveriesAdvisory(data: Uint8Array): MaxDeliveriesAdvisory {
  const json = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
  const { stream, consumer, stream_seq: streamSeq, deliveries } = json;
  if (typeof stream !== 'string' || typeof consumer !== 'string' || typeof streamSeq !== 'number' || typeof deliveries !== 'number') {
    throw new Error(`not a MAX_DELIVERIES advisory (stream, consumer, stream_seq, deliveries expected): ${JSON.stringify(json).slice(0, 200)}`);
  }
  return { stream, consumer, streamSeq, deliveries };
}

/**
 * Copies the batch message at `streamSeq` to `<ns>.dead.<cluster>` (headers name where it came from and
 * how often it was delivered; the copy is deduplicated by its origin, so a repeated advisory copies once)
 * and removes it from the batch stream — a work queue keeps a message JetStream gave up on. Undefined
 * when the message is gone already (acked meanwhile, or purged).
 */
export async function deadLetterBatch(
  js: JetStreamClient,
  jsm: JetStreamManager,
  names: BusNames,
  advisory: MaxDeliveriesAdvisory,
  reason: string,
): Promise<DeadLetteredBatch | undefined> {
  const stored = await jsm.streams.getMessage(names.batchStream, { seq: advisory.streamSeq }).catch(() => null);
  if (!stored) return undefined;
  const clusterId = stored.subject.slice(names.batchSubject('x').length - 1);
  const msgId = stored.header?.get('Nats-Msg-Id') ?? '';
  const h = headers();
  h.set('Fleetshift-Original-Subject', stored.subject);
  h.set('Fleetshift-Original-Seq', String(stored.seq));
  h.set('Fleetshift-Original-Msg-Id', msgId);
  h.set('Fleetshift-Deliveries', String(advisory.deliveries));
  h.set('Fleetshift-Reason', reason.replace(/[\r\n]+/g, ' ').slice(0, 500));
  await js.publish(names.deadBatchSubject(clusterId), stored.data, { msgID: `${names.batchStream}:${stored.seq}`, headers: h });
  await jsm.streams.deleteMessage(names.batchStream, stored.seq).catch(() => false);
  return { subject: stored.subject, clusterId, msgId, data: stored.data };
}

/** Creates (or keeps) the scheduler's durable consumer of the advisory stream (explicit ack). */
export async function ensureDeadLetterConsumer(jsm: JetStreamManager, names: BusNames): Promise<void> {
  try {
    await jsm.consumers.info(names.batchAdvisoryStream, names.deadLetterConsumer);
  } catch {
    await jsm.consumers
      .add(names.batchAdvisoryStream, {
        durable_name: names.deadLetterConsumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: advisoryAckWaitMs * 1e6,
      })
      .catch(async (error: unknown) => {
        // Another scheduler created it in between.
        await jsm.consumers.info(names.batchAdvisoryStream, names.deadLetterConsumer).catch(() => {
          throw error;
        });
      });
  }
}

export interface AdvisorySubscription {
  stop(): Promise<void>;
  done: Promise<void>;
}

/**
 * Hands every MAX_DELIVERIES advisory of the batch stream to `handle`, one at a time, acking after it
 * resolves; one `handle` rejects is delivered again after a pause; an unreadable one is reported to
 * `onError` and acked (it would never parse).
 */
export async function consumeMaxDeliveries(
  js: JetStreamClient,
  names: BusNames,
  handle: (advisory: MaxDeliveriesAdvisory) => Promise<void>,
  onError: (error: unknown) => void,
): Promise<AdvisorySubscription> {
  const consumer = await js.consumers.get(names.batchAdvisoryStream, names.deadLetterConsumer);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 64 });
  const done = (async () => {
    for await (const message of messages) {
      let advisory: MaxDeliveriesAdvisory;
      try {
        advisory = parseMaxDeliveriesAdvisory(message.data);
      } catch (error) {
        onError(error);
        message.ack();
        continue;
      }
      try {
        await handle(advisory);
        message.ack();
      } catch (error) {
        onError(error);
        message.nak(retryDelayMs);
      }
    }
  })();
  return {
    done,
    stop: async () => {
      await messages.close();
      await done.catch(() => undefined);
    },
  };
}
