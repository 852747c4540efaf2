/**
 * Every stream, subject, consumer and bucket name Fleetshift uses on NATS, derived from one namespace
 * (default "fleetshift") so that tests, or two installations sharing a NATS server, never collide.
 */
export interface BusNames {
  namespace: string;
  /** Work-queue stream of BatchJob messages. */
  batchStream: string;
  /** `<ns>.batch.<cluster>`: one subject per database cluster. */
  batchSubject(clusterId: string): string;
  batchSubjects: string;
  /**
   * Durable pull consumer of one cluster's batches (filter `<ns>.batch.<cluster>`), shared by every
   * executor. One per cluster lets executors stop pulling for a throttled cluster and bounds the batches
   * in flight per cluster (max_ack_pending) — a work-queue stream allows only non-overlapping filters.
   */
  clusterConsumer(clusterId: string): string;
  /** Stream of batches JetStream gave up on (max_deliver reached), kept for the operator: `<NS>_DEAD_BATCHES`. */
  deadBatchStream: string;
  /** `<ns>.dead.<cluster>`: a dead-lettered BatchJob, as it was published. */
  deadBatchSubject(clusterId: string): string;
  deadBatchSubjects: string;
  /**
   * Stream capturing JetStream's MAX_DELIVERIES advisories of the batch stream's consumers, so that a
   * scheduler that was down when one was sent still sees it: `<NS>_BATCH_ADVISORIES`.
   */
  batchAdvisoryStream: string;
  /** `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<batch stream>.*` (every cluster consumer). */
  maxDeliveriesSubjects: string;
  /** Durable consumer of the advisory stream used by the scheduler. */
  deadLetterConsumer: string;
  /** Stream of TenantResult messages (kept so that a restarted scheduler loses none). */
  resultStream: string;
  /** `<ns>.result.<rollout>`. */
  resultSubject(rolloutId: string): string;
  resultSubjects: string;
  /** Durable consumer of results used by the scheduler. */
  schedulerConsumer: string;
  /** `<ns>.throttle.<cluster>`: ThrottleSignal broadcasts (plain NATS). */
  throttleSubject(clusterId: string): string;
  throttleSubjects: string;
  /** KV bucket with the last ThrottleSignal per cluster. */
  throttleBucket: string;
  /** KV bucket with the RolloutControl per rollout. */
  rolloutBucket: string;
  /** KV bucket with the tenants in flight per cluster (key: cluster id), which the pace bounds. */
  paceBucket: string;
  /** KV bucket with the health monitor's manual overrides per cluster (key: cluster id), kept across restarts. */
  overrideBucket: string;
  /** Object store bucket of plans by id (`sha256-<hex>`), written by the scheduler, read by executors (docs/adr/0009). */
  planBucket: string;
}

const tokenPattern = /^[A-Za-z0-9_-]+$/;

export function busNames(namespace = 'fleetshift'): BusNames {
  assertToken('namespace', namespace);
  const upper = namespace.toUpperCase().replace(/-/g, '_');
  return {
    namespace,
    batchStream: `${upper}_BATCHES`,
    batchSubject: (clusterId) => `${namespace}.batch.${token('cluster id', clusterId)}`,
    batchSubjects: `${namespace}.batch.>`,
    clusterConsumer: (clusterId) => `${namespace}-executors-${token('cluster id', clusterId)}`,
    deadBatchStream: `${upper}_DEAD_BATCHES`,
    deadBatchSubject: (clusterId) => `${namespace}.dead.${token('cluster id', clusterId)}`,
    deadBatchSubjects: `${namespace}.dead.>`,
    batchAdvisoryStream: `${upper}_BATCH_ADVISORIES`,
    maxDeliveriesSubjects: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${upper}_BATCHES.*`,
    deadLetterConsumer: `${namespace}-scheduler-dead-letters`,
    resultStream: `${upper}_RESULTS`,
    resultSubject: (rolloutId) => `${namespace}.result.${token('rollout id', rolloutId)}`,
    resultSubjects: `${namespace}.result.>`,
    schedulerConsumer: `${namespace}-scheduler`,
    throttleSubject: (clusterId) => `${namespace}.throttle.${token('cluster id', clusterId)}`,
    throttleSubjects: `${namespace}.throttle.>`,
    throttleBucket: `${namespace}_throttle`,
    rolloutBucket: `${namespace}_rollouts`,
    paceBucket: `${namespace}_pace`,
    overrideBucket: `${namespace}_overrides`,
    planBucket: `${namespace}_plans`,
  };
}

function token(what: string, value: string): string {
  assertToken(what, value);
  return value;
}

function assertToken(what: string, value: string): void {
  if (!tokenPattern.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} cannot be used in a NATS name: use letters, digits, '-' and '_'`);
  }
}
