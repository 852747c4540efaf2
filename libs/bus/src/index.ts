export { busNames, type BusNames } from './bus-names.js';
export { connectBus } from './connect-bus.js';
export { natsSecurityFromEnv, natsConnectOptions, describeNatsSecurity, NatsSecurityError, type NatsSecurity } from './nats-security.js';
export { ensureStreams } from './streams.js';
export { openThrottleBucket, openRolloutBucket, openPaceBucket, openOverrideBucket } from './buckets.js';
export { PaceLimiter, type PaceLease } from './pace-limiter.js';
export { encodeMessage, decodeMessage, type ProtoCodec } from './proto-codec.js';
export { isStale, effectiveThrottleLevel, staleAfterIntervals, maxFutureSkewMs, supersedes, isFutureDated } from './throttle-freshness.js';
export {
  ensureClusterConsumer,
  listClusterConsumers,
  maxAckPendingFor,
  clusterConsumerDefaults,
  boundClusterDeliveries,
  type ClusterConsumer,
  type ClusterConsumerOptions,
} from './cluster-consumers.js';
export { ensureResultConsumer, consumeResults, type ResultSubscription } from './result-consumer.js';
export { batchMessagesInStream, batchInStream, type StoredBatchMessage } from './batch-presence.js';
export { resultProgress } from './result-progress.js';
export {
  parseMaxDeliveriesAdvisory,
  deadLetterBatch,
  ensureDeadLetterConsumer,
  consumeMaxDeliveries,
  type MaxDeliveriesAdvisory,
  type DeadLetteredBatch,
  type AdvisorySubscription,
} from './dead-letters.js';
export { PlanStore, PlanUnavailableError, planIdOf, planRetentionMsDefault, type PlanStoreOptions } from './plan-store.js';
