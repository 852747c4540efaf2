import { startService, type ServiceProcess } from '@fleetshift/testing';
import { freePort } from './free-port.js';

/** One service of the chaos stack: a name (`executor-2`), its app, fixed ports and the process now running it. */
export interface ServiceSlot {
  name: string;
  app: 'planner' | 'scheduler' | 'health-monitor' | 'executor';
  grpcPort: number;
  current?: ServiceProcess;
  /** Exits nobody asked for (a crash after a NATS or control-DB restart), each restarted. */
  unplannedExits: Array<{ atMs: number; code: number | null }>;
}

export interface ChaosStackOptions {
  env: Record<string, string>;
  executors: number;
  schedulers: number;
  /** Milliseconds since the run began, for the records. */
  clock: () => number;
  onLine?: (service: string, line: string) => void;
}

/**
 * The four services as processes on ports fixed for the whole run, so that a killed one comes back
 * where the others look for it. Like a Kubernetes Deployment: every process that exits without being
 * stopped here is started again (after a short back-off, retried while its dependencies are down).
 */
export class ChaosStack {
  readonly slots: ServiceSlot[] = [];
  #stopping = false;
  #restarts = new Set<Promise<void>>();
  /** Slots a fault has killed on purpose: the fault restarts them itself. */
  #killedOnPurpose = new Set<ServiceSlot>();

  private constructor(private readonly options: ChaosStackOptions) {}

  static async start(options: ChaosStackOptions): Promise<ChaosStack> {
    const stack = new ChaosStack(options);
    try {
      await stack.#startAll();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  schedulerAddresses(): string[] {
    return this.slots.filter((s) => s.app === 'scheduler').map((s) => `127.0.0.1:${s.grpcPort}`);
  }

  async #startAll(): Promise<void> {
    const planner = await this.#slot('planner', 'planner');
    const schedulers = await Promise.all(
      Array.from({ length: this.options.schedulers }, (_, i) => this.#slot('scheduler', this.options.schedulers > 1 ? `scheduler-${i + 1}` : 'scheduler')),
    );
    const monitor = await this.#slot('health-monitor', 'health-monitor');
    const executors = await Promise.all(Array.from({ length: this.options.executors }, (_, i) => this.#slot('executor', `executor-${i + 1}`)));
    // The first scheduler creates the control database and its tables before any other replica starts;
    // the planner is only called later, so it starts alongside.
    await Promise.all([this.#launch(planner), this.#launch(schedulers[0])]);
    await Promise.all([...schedulers.slice(1), monitor, ...executors].map((slot) => this.#launch(slot)));
  }

  async #slot(app: ServiceSlot['app'], name: string): Promise<ServiceSlot> {
    const slot: ServiceSlot = { name, app, grpcPort: await freePort(), unplannedExits: [] };
    this.slots.push(slot);
    return slot;
  }

  #wiring(slot: ServiceSlot): Record<string, string> {
    const planner = this.slots.find((s) => s.app === 'planner')!;
    const scheduler = this.slots.find((s) => s.app === 'scheduler');
    const env: Record<string, string> = { FLEETSHIFT_GRPC_PORT: String(slot.grpcPort), FLEETSHIFT_METRICS_PORT: '0' };
    if (slot.app === 'scheduler') env.FLEETSHIFT_PLANNER_ADDR = `127.0.0.1:${planner.grpcPort}`;
    if (slot.app === 'health-monitor' && scheduler) env.FLEETSHIFT_SCHEDULER_ADDR = `127.0.0.1:${scheduler.grpcPort}`;
    if (slot.app === 'executor') env.FLEETSHIFT_EXECUTOR_ID = slot.name;
    return env;
  }

  async #launch(slot: ServiceSlot): Promise<void> {
    const service = await startService(slot.app, { ...this.options.env, ...this.#wiring(slot) }, 60_000, (line) => this.options.onLine?.(slot.name, line));
    slot.current = service;
    void service.exited.then((code) => {
      if (slot.current !== service || this.#stopping || this.#killedOnPurpose.has(slot)) return;
      slot.unplannedExits.push({ atMs: this.options.clock(), code });
      this.#track(this.#relaunch(slot));
    });
  }

  /** Starts the slot again, retrying every second while it fails (its NATS or database may be down). */
  async #relaunch(slot: ServiceSlot): Promise<void> {
    slot.current = undefined;
    while (!this.#stopping) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (this.#stopping) return;
      try {
        await this.#launch(slot);
        // Stopping began while it started: it must not outlive the stack.
        if (this.#stopping) await (slot.current as ServiceProcess | undefined)?.stop();
        return;
      } catch {
        // Dependencies still coming back: try again.
      }
    }
  }

  #track(restart: Promise<void>): void {
    this.#restarts.add(restart);
    void restart.finally(() => this.#restarts.delete(restart));
  }

  /** SIGKILL, then (after `downMs`) start it again; resolves once it listens again. */
  async kill(slot: ServiceSlot, downMs: number): Promise<void> {
    const service = slot.current;
    if (!service) return;
    this.#killedOnPurpose.add(slot);
    try {
      await service.stop('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      const restart = this.#relaunch(slot);
      this.#track(restart);
      await restart;
    } finally {
      this.#killedOnPurpose.delete(slot);
    }
  }

  /** SIGSTOP for `frozenMs`, then SIGCONT. */
  async freeze(slot: ServiceSlot, frozenMs: number): Promise<void> {
    const service = slot.current;
    if (!service) return;
    service.process.kill('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, frozenMs));
    } finally {
      service.process.kill('SIGCONT');
    }
  }

  /** SIGTERM to every service, executors first (SIGCONT first, in case one is frozen). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#restarts]);
    const stopGroup = (apps: ServiceSlot['app'][]) =>
      Promise.all(
        this.slots
          .filter((slot) => apps.includes(slot.app) && slot.current)
          .map(async (slot) => {
            slot.current!.process.kill('SIGCONT');
            const exited = slot.current!.stop();
            const timeout = setTimeout(() => slot.current!.process.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(timeout);
          }),
      );
    await stopGroup(['executor']);
    await stopGroup(['scheduler', 'planner', 'health-monitor']);
  }
}
