import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { TenantResult } from '@fleetshift/contracts';
import type { BusNames } from './bus-names.js';
import { decodeMessage } from './proto-codec.js';

/** How long the scheduler may hold a result before JetStream delivers it again. */
const resultAckWaitMs = 30_000;
/** Pause before a result whose handling failed is delivered again. */
const retryDelayMs = 1_000;

/**
 * Creates (or keeps) the scheduler's durable consumer of the RESULTS stream (`<ns>-scheduler`, every
 * `<ns>.result.>` subject, explicit ack): a restarted scheduler resumes after the last result it acked.
 */
export async function ensureResultConsumer(jsm: JetStreamManager, names: BusNames): Promise<void> {
  try {
    await jsm.consumers.info(names.resultStream, names.schedulerConsumer);
  } catch {
    await jsm.consumers
      .add(names.resultStream, {
        durable_name: names.schedulerConsumer,
        filter_subject: names.resultSubjects,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: resultAckWaitMs * 1e6,
        max_deliver: -1,
      })
      .catch(async (error: unknown) => {
        // Another scheduler created it in between.
        await jsm.consumers.info(names.resultStream, names.schedulerConsumer).catch(() => {
          throw error;
        });
      });
  }
}

export interface ResultSubscription {
  stop(): Promise<void>;
  /** Resolves when the loop has ended. */
  done: Promise<void>;
}

/**
 * Hands every TenantResult to `handle`, one at a time in stream order, acking after `handle` resolves.
 * A result `handle` rejects is delivered again after a pause; an undecodable message is reported to
 * `onError` and acked (it would never decode).
 */
export async function consumeResults(
  js: JetStreamClient,
  names: BusNames,
  handle: (result: TenantResult, message: JsMsg) => Promise<void>,
  onError: (error: unknown, message: JsMsg) => void,
): Promise<ResultSubscription> {
  const consumer = await js.consumers.get(names.resultStream, names.schedulerConsumer);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
  const done = (async () => {
    for await (const message of messages) {
      let result: TenantResult;
      try {
        result = decodeMessage(TenantResult, message.data);
      } catch (error) {
        onError(error, message);
        message.ack();
        continue;
      }
      try {
        await handle(result, message);
        message.ack();
      } catch (error) {
        onError(error, message);
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
