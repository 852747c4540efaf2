import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The executor's metrics (prom-client, on /metrics). */
export interface ExecutorMetrics {
  tenants: Counter<'result'>;
  stepSeconds: Histogram<'change'>;
  tenantSeconds: Histogram<'result'>;
  lockRetries: Counter<'change'>;
  throttledWaitSeconds: Counter<'cluster'>;
  paceWaitSeconds: Counter<'cluster'>;
  lockDeferrals: Counter;
  throttleLevel: Gauge<'cluster'>;
  batches: Counter<'outcome'>;
  connectionsOpened: Counter<'reused'>;
}

export function createExecutorMetrics(registry: Registry): ExecutorMetrics {
  return {
    tenants: new Counter({
      name: 'fleetshift_executor_tenants_total',
      help: 'Tenants finished by this executor, by result (succeeded, failed, skipped, cancelled, deferred).',
      labelNames: ['result'],
      registers: [registry],
    }),
    stepSeconds: new Histogram({
      name: 'fleetshift_executor_step_duration_seconds',
      help: 'Duration of one plan step (one successful execution), by change kind.',
      labelNames: ['change'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    tenantSeconds: new Histogram({
      name: 'fleetshift_executor_tenant_duration_seconds',
      help: 'Wall time of one tenant, lock to report, by result.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [registry],
    }),
    lockRetries: new Counter({
      name: 'fleetshift_executor_lock_retries_total',
      help: 'Steps retried after a lock timeout, by change kind.',
      labelNames: ['change'],
      registers: [registry],
    }),
    throttledWaitSeconds: new Counter({
      name: 'fleetshift_executor_throttled_wait_seconds_total',
      help: 'Seconds batches waited for a throttled (or stale) cluster before starting a tenant.',
      labelNames: ['cluster'],
      registers: [registry],
    }),
    paceWaitSeconds: new Counter({
      name: 'fleetshift_executor_pace_wait_seconds_total',
      help: 'Seconds workers waited for a place under their cluster’s pace before starting a tenant.',
      labelNames: ['cluster'],
      registers: [registry],
    }),
    lockDeferrals: new Counter({
      name: 'fleetshift_executor_lock_deferrals_total',
      help: 'Tenants put back in the queue because a step kept losing its lock race.',
      registers: [registry],
    }),
    throttleLevel: new Gauge({
      name: 'fleetshift_executor_cluster_throttle_level',
      help: 'The throttle level this executor obeys per cluster (1 OK, 2 THROTTLED, 3 CRITICAL).',
      labelNames: ['cluster'],
      registers: [registry],
    }),
    batches: new Counter({
      name: 'fleetshift_executor_batches_total',
      help: 'Batches handled, by outcome (acked, returned).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    connectionsOpened: new Counter({
      name: 'fleetshift_executor_tenant_connections_total',
      help: 'Tenant connections used, by whether an open connection was reused.',
      labelNames: ['reused'],
      registers: [registry],
    }),
  };
}
