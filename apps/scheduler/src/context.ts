import type pg from 'pg';
import type { KV } from '@nats-io/kv';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusNames, PlanStore } from '@fleetshift/bus';
import type { Logger } from '@fleetshift/telemetry';
import type { Planner } from './planner-client.js';
import type { SchedulerMetrics } from './metrics.js';

/** What the scheduler's logic works with: the control store, the planner, the bus. Built by main.ts or a test. */
export interface SchedulerContext {
  pool: pg.Pool;
  planner: Planner;
  bus: SchedulerBus;
  logger: Logger;
  metrics?: SchedulerMetrics;
  /** A missing throttle signal counts as THROTTLED (the safe default) unless this is 'ok'. */
  missingThrottleSignal: 'throttled' | 'ok';
  /** The control database's own name: reserved, no tenant may be put there. */
  controlDatabase?: string;
}

export interface SchedulerBus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: BusNames;
  rollouts: KV;
  throttles: KV;
  /** The plans bucket: a plan is written here before a batch naming it is published (docs/adr/0009). */
  plans: PlanStore;
}
