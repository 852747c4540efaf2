import { startService, type ServiceProcess } from '@fleetshift/testing';
import type { TestScheduler } from './scheduler-fixture.js';

/**
 * An executor process on the fixture's bus, quick for tests: it looks for new clusters every 500 ms, and
 * a batch it cannot run now (its rollout paused, its cluster throttled, a tenant locked) goes back to
 * the queue after 2 s and is offered again 500 ms later.
 */
export function startTestExecutor(fixture: Pick<TestScheduler, 'natsUrl' | 'namespace'>, id: string): Promise<ServiceProcess> {
  return startService('executor', {
    FLEETSHIFT_NATS_URL: fixture.natsUrl,
    FLEETSHIFT_NATS_NAMESPACE: fixture.namespace,
    FLEETSHIFT_EXECUTOR_ID: id,
    FLEETSHIFT_EXECUTOR_DISCOVERY_INTERVAL_MS: '500',
    FLEETSHIFT_EXECUTOR_HOLD_MS: '2000',
    FLEETSHIFT_EXECUTOR_NAK_DELAY_MS: '500',
  });
}

/** A scheduler process (one replica, `id`) on the fixture's control database and bus; a missing throttle signal counts as OK. */
export function startSchedulerReplica(fixture: Pick<TestScheduler, 'natsUrl' | 'namespace' | 'control'>, plannerPort: number, id: string): Promise<ServiceProcess> {
  return startService('scheduler', {
    FLEETSHIFT_CONTROL_DB_URL: fixture.control.url,
    FLEETSHIFT_NATS_URL: fixture.natsUrl,
    FLEETSHIFT_NATS_NAMESPACE: fixture.namespace,
    FLEETSHIFT_PLANNER_ADDR: `127.0.0.1:${plannerPort}`,
    FLEETSHIFT_MISSING_THROTTLE_SIGNAL: 'ok',
    FLEETSHIFT_SCHEDULER_ID: id,
  });
}
