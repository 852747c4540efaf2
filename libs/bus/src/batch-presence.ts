import type { JetStreamManager, MsgRequest } from '@nats-io/jetstream';
import type { BusNames } from './bus-names.js';

/** A batch message still in the batch stream: waiting for an executor, or delivered and not yet acked. */
export interface StoredBatchMessage {
  seq: number;
  /** Its Nats-Msg-Id: `<rollout>:<batch>:<attempt>`, or `…:rest-<seq>` for an executor's continuation. */
  msgId: string;
}

/**
 * The messages of one cluster's batch subject still in the batch stream, oldest first. The stream is a
 * work queue, so these are exactly the batches not acked yet (few: the scheduler keeps a handful per
 * rollout in flight); each is read by "next message of this subject from sequence n".
 */
export async function batchMessagesInStream(jsm: JetStreamManager, names: BusNames, clusterId: string): Promise<StoredBatchMessage[]> {
  const subject = names.batchSubject(clusterId);
  const found: StoredBatchMessage[] = [];
  for (let seq = 1; ; ) {
    // The server's STREAM.MSG.GET takes next_by_subj; the client's type only names seq / last_by_subj.
    const message = await jsm.streams.getMessage(names.batchStream, { seq, next_by_subj: subject } as MsgRequest).catch((error: unknown) => {
      if (isNoMessage(error)) return null;
      throw error;
    });
    if (!message) return found;
    found.push({ seq: message.seq, msgId: message.header?.get('Nats-Msg-Id') ?? '' });
    seq = message.seq + 1;
  }
}

/**
 * Whether any publication of a batch (any attempt, or a continuation of one) is still in the batch stream.
 * `batchPrefix` is `<rollout>:<batch>:`.
 */
export async function batchInStream(jsm: JetStreamManager, names: BusNames, clusterId: string, batchPrefix: string): Promise<boolean> {
  return (await batchMessagesInStream(jsm, names, clusterId)).some((message) => message.msgId.startsWith(batchPrefix));
}

function isNoMessage(error: unknown): boolean {
  const code = (error as { api_error?: { err_code?: number } })?.api_error?.err_code;
  return code === 10037 || /no message found/i.test(String((error as Error)?.message ?? error));
}
