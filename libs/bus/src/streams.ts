import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusNames } from './bus-names.js';

/** How long JetStream remembers a message id for deduplication of a re-published batch. */
const duplicateWindowNanos = 10 * 60 * 1e9;
const resultRetentionNanos = 7 * 24 * 3600 * 1e9;
/** Dead-lettered batches and the advisories that named them are kept for 30 days. */
const deadLetterRetentionNanos = 30 * 24 * 3600 * 1e9;

/**
 * Creates (or keeps) the streams: BATCHES is a work queue — each batch is delivered to one executor
 * and removed once acknowledged; RESULTS keeps every tenant report for a week; DEAD_BATCHES keeps the
 * batches JetStream gave up on, and BATCH_ADVISORIES the MAX_DELIVERIES advisories that named them.
 */
export async function ensureStreams(nc: NatsConnection, names: BusNames): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  await upsertStream(jsm, {
    name: names.batchStream,
    subjects: [names.batchSubjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: duplicateWindowNanos,
  });
  await upsertStream(jsm, {
    name: names.resultStream,
    subjects: [names.resultSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: resultRetentionNanos,
    duplicate_window: duplicateWindowNanos,
  });
  await upsertStream(jsm, {
    name: names.deadBatchStream,
    subjects: [names.deadBatchSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: deadLetterRetentionNanos,
  });
  await upsertStream(jsm, {
    name: names.batchAdvisoryStream,
    subjects: [names.maxDeliveriesSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: deadLetterRetentionNanos,
  });
  return jsm;
}

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];

async function upsertStream(jsm: JetStreamManager, config: StreamConfig): Promise<void> {
  try {
    await jsm.streams.info(config.name!);
  } catch {
    await jsm.streams.add(config);
  }
}
