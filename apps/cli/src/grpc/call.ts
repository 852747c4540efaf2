import { connectHealthMonitor, type HealthMonitorConnection } from './health-monitor-client.js';
import { grpcFailure, isServiceError } from './grpc-failure.js';
import { connectScheduler, type SchedulerConnection } from './scheduler-clients.js';

/**
 * Runs `body` with clients of the scheduler and closes them afterwards; a failed call becomes one CLI
 * error line starting with `what` ("push schema version: …") with the right exit code.
 */
export async function withScheduler<T>(what: string, body: (scheduler: SchedulerConnection) => Promise<T>): Promise<T> {
  const scheduler = connectScheduler();
  try {
    return await body(scheduler);
  } catch (error) {
    throw isServiceError(error) ? grpcFailure(what, scheduler.address, error) : error;
  } finally {
    scheduler.close();
  }
}

/** As withScheduler, for the health monitor (FLEETSHIFT_HEALTH_MONITOR_ADDR). */
export async function withHealthMonitor<T>(what: string, body: (health: HealthMonitorConnection) => Promise<T>): Promise<T> {
  const health = connectHealthMonitor();
  try {
    return await body(health);
  } catch (error) {
    throw isServiceError(error) ? grpcFailure(what, health.address, error, 'health monitor') : error;
  } finally {
    health.close();
  }
}
