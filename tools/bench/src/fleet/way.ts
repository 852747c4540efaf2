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
  /** One line on how it ended (rollout state, exit codes …). */
  note?: string;
}

/** One way: a label for the table and a function that migrates a fresh fleet at v1. */
export interface Way {
  name: WayName;
  label: string;
  run(fleet: Fleet): Promise<WayOutcome>;
}
