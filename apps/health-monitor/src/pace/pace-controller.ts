import { ThrottleLevel } from '@fleetshift/contracts';

/**
 * The pace controller: how many tenants may be migrated on one cluster at once, recomputed at every
 * sample so that the database's CPU settles in a band below the throttle line instead of bouncing off
 * it (the stop-and-go of a plain on/off throttle).
 *
 * Additive-increase / multiplicative-decrease, as TCP does with its window:
 * - slow start: while the CPU is below half the target, the pace doubles each sample (a fresh rollout
 *   reaches its working pace in a few seconds, not one tenant per second);
 * - below the band (target − band): +1 per sample;
 * - inside the band: hold;
 * - above the target: × decreaseFactor (at least −1), never below `min`;
 * - not OK (THROTTLED, CRITICAL): back to `min`, so that a release restarts gently;
 * - the other signals (active sessions per core, lock waiters, replication lag) keep their say: one above
 *   its threshold decreases the pace like a CPU above target, one above its release level holds it, so
 *   that the pace backs off before the throttle decision (N samples above a threshold) would stop the
 *   cluster.
 *
 * Why AIMD and not a PI controller: the plant (CPU against concurrent tenants) is noisy at one-second
 * samples, non-linear (a tenant's cost varies tenfold between a column and an index build) and shared
 * with other load, so a PI controller's gains would have to be tuned per cluster and per change set.
 * AIMD needs no model: it probes upwards one step at a time and backs off hard as soon as the CPU
 * passes the target, and several controllers sharing a resource converge to fair shares.
 */
export interface PaceOptions {
  /** The CPU percentage to hold (below the throttle line). */
  targetCpu: number;
  /** Hold when the CPU is within `band` points below the target. */
  band: number;
  min: number;
  max: number;
  /** Multiplier on a decrease, in (0, 1). */
  decreaseFactor: number;
}

export interface PaceState {
  pace: number;
  reason: string;
}

export interface PaceInput {
  level: ThrottleLevel;
  /** The cluster's CPU in percent; undefined when it could not be read (or there is no CPU source). */
  cpuPercent: number | undefined;
  /** The cluster's other signals with their levels (unreadable ones are left out: they throttle anyway). */
  others?: Array<{ name: string; value: number; threshold: number; release: number }>;
}

export function initialPace(options: PaceOptions): PaceState {
  return { pace: options.min, reason: 'starting' };
}

export function nextPace(state: PaceState, input: PaceInput, options: PaceOptions): PaceState {
  const clamp = (n: number) => Math.max(options.min, Math.min(options.max, n));
  if (input.level !== ThrottleLevel.THROTTLE_LEVEL_OK) {
    return { pace: options.min, reason: `cluster ${ThrottleLevel[input.level].replace('THROTTLE_LEVEL_', '')}: restart from ${options.min}` };
  }
  const decrease = (why: string): PaceState => {
    const pace = clamp(Math.min(state.pace - 1, Math.floor(state.pace * options.decreaseFactor)));
    return { pace, reason: `${why}: ${pace < state.pace ? `×${options.decreaseFactor}` : 'at the minimum'}` };
  };
  const others = input.others ?? [];
  const over = others.find((s) => s.value > s.threshold);
  if (over) return decrease(`${over.name} ${round(over.value)} above threshold ${round(over.threshold)}`);
  const cpu = input.cpuPercent;
  if (cpu === undefined) return { pace: state.pace, reason: 'no CPU reading: pace held' };
  const shown = `cpu ${Math.round(cpu)}%`;
  const target = `target ${options.targetCpu}%`;
  if (cpu > options.targetCpu) return decrease(`${shown} above ${target}`);
  if (cpu >= options.targetCpu - options.band) return { pace: state.pace, reason: `${shown} near ${target}: held` };
  const busy = others.find((s) => s.value > s.release);
  if (busy) return { pace: state.pace, reason: `${busy.name} ${round(busy.value)} above release ${round(busy.release)}: held` };
  if (state.pace >= options.max) return { pace: options.max, reason: `${shown} below ${target}: at the maximum` };
  if (cpu < options.targetCpu / 2) return { pace: clamp(state.pace * 2), reason: `${shown} far below ${target}: ×2` };
  return { pace: clamp(state.pace + 1), reason: `${shown} below ${target}: +1` };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
