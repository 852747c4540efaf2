import type { Fleet } from './fleet.js';

/** The four ways of bringing a fleet from v1 to v2 the benchmark compares. */
export type WayName = 'a' | 'b' | 'c' | 'd';

/** What one way did to one fleet. */
export interface WayOutcome {
  /** Epoch ms: the first statement (Fleetshift: CreateRollout) … the last tenant done. */
  startedAt: number;
  finishedAt: number;
  /** Epoch ms at which each tenant that succeeded was done. */
  finishes: number[];
  /** Seconds during which the cluster was throttled (Fleetshift only). */
  throttledSeconds?: number;
  /** Throttle windows, epoch ms (Fleetshift only). */
  throttled?: Array<{ from: number; to: number }>;
  /** Each tenant as the rollout reports it (Fleetshift only). */
  rolloutTenants?: Array<{ id: string; state: string; attempts: number; lockRetries: number; startedAt?: number; finishedAt?: number }>;
  /** Lock-timeout retries over all tenants (Fleetshift only: the rollout's lock_retries). */
  lockRetries?: number;
  /** One line on how it ended (rollout state, exit codes …). */
  note?: string;
}

/** A way made ready on one fleet (untimed); run() is what is measured. */
export interface ReadyWay {
  run(): Promise<WayOutcome>;
  close(): Promise<void>;
}

/** One way: a label for the table, and how it is made ready on a fleet at v1. */
export interface Way {
  name: WayName;
  label: string;
  /**
   * True when the way creates the tenants itself (Fleetshift provisions them): it is given the fleet
   * without its databases and fills the tenants with the fleet's rows (Fleet.fill) once they exist.
   */
  provisions?: boolean;
  prepare(fleet: Fleet): Promise<ReadyWay>;
}

/** A way with nothing to prepare. */
export function readyAt(run: () => Promise<WayOutcome>): ReadyWay {
  return { run, close: async () => undefined };
}
