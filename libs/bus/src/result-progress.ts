import type { JetStreamManager } from '@nats-io/jetstream';
import type { BusNames } from './bus-names.js';

/**
 * How far the scheduler is with the results stream: `published` is the stream's last sequence, `applied`
 * the scheduler consumer's ack floor (every result up to it has been handled and acked). A result
 * published at or before `published` has been applied once `applied` reaches that number.
 */
export async function resultProgress(jsm: JetStreamManager, names: BusNames): Promise<{ published: number; applied: number }> {
  const stream = await jsm.streams.info(names.resultStream);
  const consumer = await jsm.consumers.info(names.resultStream, names.schedulerConsumer);
  return { published: stream.state.last_seq, applied: consumer.ack_floor.stream_seq };
}
