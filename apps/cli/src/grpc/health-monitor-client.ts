import { HealthMonitorServiceClient } from '@fleetshift/contracts';
import { bearerInterceptors, cliTransport, serviceAddress } from './scheduler-clients.js';

/** The health monitor's address when FLEETSHIFT_HEALTH_MONITOR_ADDR is unset (its default gRPC port). */
export const defaultHealthMonitorAddress = '127.0.0.1:50054';

export interface HealthMonitorConnection {
  address: string;
  monitor: InstanceType<typeof HealthMonitorServiceClient>;
  close(): void;
}

/**
 * A client of the health monitor (for `throttle`): FLEETSHIFT_HEALTH_MONITOR_ADDR (host:port) and
 * FLEETSHIFT_API_TOKEN and the TLS variables as for the scheduler.
 */
export function connectHealthMonitor(env: NodeJS.ProcessEnv = process.env): HealthMonitorConnection {
  const address = serviceAddress('FLEETSHIFT_HEALTH_MONITOR_ADDR', defaultHealthMonitorAddress, env);
  const transport = cliTransport(env);
  const monitor = new HealthMonitorServiceClient(address, transport.credentials, {
    ...transport.options,
    interceptors: bearerInterceptors(env.FLEETSHIFT_API_TOKEN),
  });
  return { address, monitor, close: () => monitor.close() };
}
