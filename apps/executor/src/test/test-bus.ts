/**
 * Test fixture for the executor's process tests: a NATS namespace with the streams and buckets, a
 * "scheduler" that publishes hand-made BatchJobs, a "health monitor" that sends ThrottleSignals, the
 * results as they arrive, and executors started as real processes.
 */
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  BatchJob,
  RolloutControl,
  RolloutState,
  TenantResult,
  TenantRolloutState,
  ThrottleLevel,
  ThrottleSignal,
  type Plan,
} from '@fleetshift/contracts';
import {
  busNames,
  connectBus,
  decodeMessage,
  encodeMessage,
  ensureClusterConsumer,
  ensureStreams,
  openRolloutBucket,
  openThrottleBucket,
  PlanStore,
  type BusNames,
} from '@fleetshift/bus';
import { findNats, startService, testNamespace, type ServiceProcess } from '@fleetshift/testing';
import type { FleetTenant } from './test-fleet.js';

export const finalStates = new Set([
  TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED,
  TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED,
  TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED,
  TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED,
]);

export class TestBus {
  names!: BusNames;
  nc!: NatsConnection;
  js!: JetStreamClient;
  jsm!: JetStreamManager;
  throttleKv!: KV;
  rolloutKv!: KV;
  /** The plans bucket, as the scheduler writes it. */
  plans!: PlanStore;
  natsUrl!: string;
  readonly results: TenantResult[] = [];
  readonly executors: ServiceProcess[] = [];
  #subscription?: Subscription;
  #heartbeats = new Map<string, NodeJS.Timeout>();
  #sequence = 0;

  async start(prefix: string): Promise<this> {
    this.natsUrl = await findNats();
    this.names = busNames(testNamespace(prefix));
    this.nc = await connectBus(this.natsUrl, 'executor-test');
    this.jsm = await ensureStreams(this.nc, this.names);
    this.js = jetstream(this.nc);
    this.throttleKv = await openThrottleBucket(this.nc, this.names);
    this.rolloutKv = await openRolloutBucket(this.nc, this.names);
    this.plans = new PlanStore(this.nc, this.names);
    this.#subscription = this.nc.subscribe(this.names.resultSubjects, {
      callback: (error, message) => {
        if (!error) this.results.push(decodeMessage(TenantResult, message.data));
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const timer of this.#heartbeats.values()) clearInterval(timer);
    await Promise.all(this.executors.map((e) => e.stop('SIGKILL')));
    this.#subscription?.unsubscribe();
    for (const stream of [this.names.batchStream, this.names.resultStream, `KV_${this.names.throttleBucket}`, `KV_${this.names.rolloutBucket}`, `KV_${this.names.paceBucket}`, `OBJ_${this.names.planBucket}`]) {
      await this.jsm.streams.delete(stream).catch(() => undefined);
    }
    await this.nc.close();
  }

  async setRollout(rolloutId: string, state: RolloutState): Promise<void> {
    await this.rolloutKv.put(rolloutId, encodeMessage(RolloutControl, RolloutControl.fromPartial({ rolloutId, state, updatedAt: new Date() })));
  }

  /** Sends one ThrottleSignal (KV + subject), sampled now, with `pace` (0: none). Returns it. */
  async signal(clusterId: string, level: ThrottleLevel, sampleIntervalMs: number, sampledAt = new Date(), kvOnly = false, pace = 0): Promise<ThrottleSignal> {
    const signal = ThrottleSignal.fromPartial({
      clusterId,
      level,
      cause: level === ThrottleLevel.THROTTLE_LEVEL_OK ? '' : 'cpu_percent',
      reason: `test ${ThrottleLevel[level]}`,
      sampledAt,
      sampleIntervalMs,
      heartbeat: true,
      sequence: ++this.#sequence,
      pace,
      paceReason: pace ? `test pace ${pace}` : '',
    });
    const bytes = encodeMessage(ThrottleSignal, signal);
    if (!kvOnly) this.nc.publish(this.names.throttleSubject(clusterId), bytes);
    await this.throttleKv.put(clusterId, bytes);
    return signal;
  }

  /** A health monitor's heartbeat: `level` (and `pace`) every interval/2 until stopHeartbeat (or another level). */
  heartbeat(clusterId: string, level: ThrottleLevel, sampleIntervalMs: number, kvOnly = false, pace = 0): void {
    this.stopHeartbeat(clusterId);
    void this.signal(clusterId, level, sampleIntervalMs, new Date(), kvOnly, pace);
    this.#heartbeats.set(
      clusterId,
      setInterval(() => void this.signal(clusterId, level, sampleIntervalMs, new Date(), kvOnly, pace), sampleIntervalMs / 2),
    );
  }

  stopHeartbeat(clusterId: string): void {
    const timer = this.#heartbeats.get(clusterId);
    if (timer) clearInterval(timer);
    this.#heartbeats.delete(clusterId);
  }

  /** Publishes the tenants as batches, like the scheduler: consumer first, then one BatchJob per batch. */
  async publishBatches(options: {
    rolloutId: string;
    clusterId: string;
    tenants: FleetTenant[];
    plan: Plan;
    batchSize: number;
    budget: number;
    concurrency: number;
    ackWaitMs?: number;
    maxLockRetries?: number;
    /** Leave the cluster consumer to the executor (a cluster the scheduler never registered). */
    noConsumer?: boolean;
  }): Promise<number> {
    if (!options.noConsumer) {
      await ensureClusterConsumer(this.jsm, this.names, options.clusterId, {
        connectionBudget: options.budget,
        tenantConcurrency: options.concurrency,
        ackWaitMs: options.ackWaitMs ?? 3_000,
      });
    }
    // As the scheduler does: the plan goes to the plans bucket, the batches name it by id.
    const planId = await this.plans.put(options.plan);
    let batches = 0;
    for (let i = 0; i < options.tenants.length; i += options.batchSize) {
      const slice = options.tenants.slice(i, i + options.batchSize);
      const job = BatchJob.fromPartial({
        rolloutId: options.rolloutId,
        batchNumber: ++batches,
        attempt: 0,
        blueprint: 'test',
        targetVersion: 2,
        clusterId: options.clusterId,
        clusterConnectionBudget: options.budget,
        tenantConcurrency: options.concurrency,
        maxLockRetries: options.maxLockRetries ?? 20,
        tasks: slice.map((t) => ({ tenantId: t.tenantId, target: t.target, planKey: planId, expectedFingerprint: options.plan.fromFingerprint, fromVersion: 1 })),
        publishedAt: new Date(),
      });
      await this.js.publish(this.names.batchSubject(options.clusterId), encodeMessage(BatchJob, job), {
        msgID: `${options.rolloutId}:${batches}:0`,
      });
    }
    return batches;
  }

  async startExecutor(id: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const executor = await startService('executor', {
      FLEETSHIFT_NATS_URL: this.natsUrl,
      FLEETSHIFT_NATS_NAMESPACE: this.names.namespace,
      FLEETSHIFT_EXECUTOR_ID: id,
      FLEETSHIFT_EXECUTOR_DISCOVERY_INTERVAL_MS: '300',
      FLEETSHIFT_EXECUTOR_NAK_DELAY_MS: '200',
      FLEETSHIFT_EXECUTOR_BACKOFF_BASE_MS: '50',
      FLEETSHIFT_EXECUTOR_BACKOFF_CAP_MS: '500',
      ...env,
    });
    this.executors.push(executor);
    return executor;
  }

  /** The latest result per tenant of a rollout. */
  latest(rolloutId: string): Map<string, TenantResult> {
    const latest = new Map<string, TenantResult>();
    for (const result of this.results) {
      if (result.rolloutId !== rolloutId) continue;
      const current = latest.get(result.tenantId);
      // A final report wins over RUNNING; among finals, the later one.
      if (!current || finalStates.has(result.state) || !finalStates.has(current.state)) latest.set(result.tenantId, result);
    }
    return latest;
  }

  finalCount(rolloutId: string): number {
    return [...this.latest(rolloutId).values()].filter((r) => finalStates.has(r.state)).length;
  }
}
