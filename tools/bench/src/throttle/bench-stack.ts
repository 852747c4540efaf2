import { startService, type ServiceProcess } from '@fleetshift/testing';

export interface BenchStack {
  planner: ServiceProcess;
  healthMonitor: ServiceProcess;
  scheduler: ServiceProcess;
  executors: ServiceProcess[];
  stop(): Promise<void>;
}

/**
 * The four services as processes on free ports, the scheduler pointed at the planner's port; one
 * environment for all (each service reads the variables it knows). Stops what started on failure.
 */
export async function startBenchStack(env: Record<string, string>, executors: number): Promise<BenchStack> {
  const started: ServiceProcess[] = [];
  const start = async (app: string, extra: Record<string, string> = {}) => {
    const service = await startService(app, { ...env, ...extra, FLEETSHIFT_LOG_LEVEL: 'info' });
    started.push(service);
    return service;
  };
  try {
    const [planner, healthMonitor] = await Promise.all([start('planner'), start('health-monitor')]);
    const scheduler = await start('scheduler', { FLEETSHIFT_PLANNER_ADDR: `127.0.0.1:${planner.grpcPort}` });
    const workers = await Promise.all(Array.from({ length: executors }, () => start('executor')));
    return {
      planner,
      healthMonitor,
      scheduler,
      executors: workers,
      async stop() {
        await Promise.all(workers.map((w) => w.stop()));
        await Promise.all([scheduler, planner, healthMonitor].map((s) => s.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    throw error;
  }
}
