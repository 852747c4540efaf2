import { startService, type ServiceProcess } from '@fleetshift/testing';

export interface StackOptions {
  /** Extra environment for every service (NATS namespace, control DB URL, API token…). */
  env?: Record<string, string>;
  /** Fixed ports (the documented defaults) or any free port. */
  ports: 'default' | 'ephemeral';
  /** Executor processes to start (default 1). */
  executors?: number;
  /** Also start the web console (apps/console), a client of the scheduler and the monitor. */
  console?: boolean;
  onLine?: (service: string, line: string) => void;
}

export interface RunningStack {
  planner: ServiceProcess;
  healthMonitor: ServiceProcess;
  scheduler: ServiceProcess;
  executors: ServiceProcess[];
  /** The web console when asked for (its port: `console.httpPort`). */
  console?: ServiceProcess;
  all(): ServiceProcess[];
  /** SIGTERM to every service, executors first; resolves when all have exited. */
  stop(): Promise<void>;
}

/** The documented ports of each service under `ports: 'default'` (the README's grpcurl lines use them). */
export const defaultPorts: Record<string, { grpc: number; metrics: number }> = {
  planner: { grpc: 50051, metrics: 9451 },
  scheduler: { grpc: 50052, metrics: 9452 },
  executor: { grpc: 50053, metrics: 9453 },
  'health-monitor': { grpc: 50054, metrics: 9454 },
};

/** The web console's HTTP port under `ports: 'default'`. */
export const defaultConsolePort = 8080;

/**
 * Starts the four services as processes: the planner, then the scheduler (which asks the planner), then
 * the health monitor (which asks the scheduler for its clusters) and the executors; with `console`, the
 * web console last (it asks the scheduler and the monitor). If one fails to start, the ones already
 * started are stopped.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const started: ServiceProcess[] = [];
  const start = async (app: string, index = 0, wiring: Record<string, string> = {}) => {
    const ports = app === 'console' ? { FLEETSHIFT_CONSOLE_PORT: options.ports === 'default' ? String(defaultConsolePort) : '0' } : portsFor(app, index, options.ports);
    const env: Record<string, string> = { ...ports, ...wiring, ...options.env };
    const service = await startService(app, env, 60_000, (line) => options.onLine?.(index ? `${app}-${index + 1}` : app, line));
    started.push(service);
    return service;
  };
  try {
    const planner = await start('planner');
    const scheduler = await start('scheduler', 0, { FLEETSHIFT_PLANNER_ADDR: `127.0.0.1:${planner.grpcPort}` });
    const [healthMonitor, ...executors] = await Promise.all([
      start('health-monitor', 0, { FLEETSHIFT_SCHEDULER_ADDR: `127.0.0.1:${scheduler.grpcPort}` }),
      ...Array.from({ length: options.executors ?? 1 }, (_, i) => start('executor', i)),
    ]);
    const webConsole = options.console
      ? await start('console', 0, {
          FLEETSHIFT_SCHEDULER_ADDR: `127.0.0.1:${scheduler.grpcPort}`,
          FLEETSHIFT_HEALTH_MONITOR_ADDR: `127.0.0.1:${healthMonitor.grpcPort}`,
        })
      : undefined;
    return {
      planner,
      healthMonitor,
      scheduler,
      executors,
      console: webConsole,
      all: () => [...started],
      stop: () => stopAll([...(webConsole ? [webConsole] : []), ...executors], [scheduler, planner, healthMonitor]),
    };
  } catch (error) {
    await stopAll(started, []);
    throw error;
  }
}

function portsFor(app: string, index: number, mode: StackOptions['ports']): Record<string, string> {
  const ports = defaultPorts[app];
  if (mode === 'ephemeral' || index > 0) return { FLEETSHIFT_GRPC_PORT: '0', FLEETSHIFT_METRICS_PORT: '0' };
  return { FLEETSHIFT_GRPC_PORT: String(ports.grpc), FLEETSHIFT_METRICS_PORT: String(ports.metrics) };
}

async function stopAll(first: ServiceProcess[], then: ServiceProcess[]): Promise<void> {
  await Promise.all(first.map((service) => service.stop()));
  await Promise.all(then.map((service) => service.stop()));
}
