import { ClusterHealth, ManualThrottleMode, ThrottleLevel, type SignalSample } from '@fleetshift/contracts';
import { cpuSourceOf } from './signals/cluster-sampler.js';
import { activeOverride, overriddenLevel, toManualThrottle, type ManualOverride } from './manual-override.js';
import { initialPace, nextPace, type PaceOptions, type PaceState } from './pace/pace-controller.js';
import { decide, initialDecision, type DecisionState, type HysteresisOptions } from './throttle-decision.js';

export interface EffectiveLevel {
  level: ThrottleLevel;
  /** The signal name, "manual", or "" when OK by the signals. */
  cause: string;
  reason: string;
}

/**
 * Everything the monitor knows about one cluster: the automatic decision, the operator's override on
 * top of it, the last samples, since when the level holds and how long the cluster was throttled.
 */
export class ClusterThrottleState {
  decision: DecisionState = initialDecision;
  override: ManualOverride | undefined;
  signals: SignalSample[] = [];
  sampledAt: Date | undefined;
  /** The level last evaluated (UNSPECIFIED before the first evaluation). */
  current: EffectiveLevel = { level: ThrottleLevel.THROTTLE_LEVEL_UNSPECIFIED, cause: '', reason: 'not sampled yet' };
  levelSince: Date | undefined;
  throttledSeconds = 0;
  /** The pace controller's state: tenants at once while the cluster is OK. */
  paceState: PaceState;
  #accountedUntil: Date | undefined;

  constructor(
    readonly clusterId: string,
    private readonly hysteresis: HysteresisOptions,
    private readonly paceOptions: PaceOptions,
  ) {
    this.paceState = initialPace(paceOptions);
  }

  /** Feeds one sample of every signal to the decision, then to the pace controller. */
  recordSample(signals: SignalSample[], sampledAt: Date): void {
    this.signals = signals;
    this.sampledAt = sampledAt;
    this.decision = decide(this.decision, signals, this.hysteresis);
    const cpu = signals.find((s) => s.name === 'cpu_percent');
    const others = signals.filter((s) => s.name !== 'cpu_percent' && s.available);
    this.paceState = nextPace(this.paceState, { level: this.decision.level, cpuPercent: cpu?.available ? cpu.value : undefined, others }, this.paceOptions);
  }

  /** The pace in force: the controller's while the effective level is OK, else the minimum. */
  pace(): PaceState {
    if (this.current.level === ThrottleLevel.THROTTLE_LEVEL_OK) return this.paceState;
    return { pace: this.paceOptions.min, reason: `cluster not OK: ${this.paceOptions.min} when it is again` };
  }

  /**
   * Works out the level in force at `now` (dropping an expired override) and returns whether it
   * differs from the previous evaluation. Adds the time spent throttled since the previous call.
   */
  evaluate(now: Date): { changed: boolean; throttledSecondsAdded: number } {
    this.override = activeOverride(this.override, now);
    const next = this.#effective();
    let added = 0;
    if (this.#accountedUntil && isThrottling(this.current.level)) {
      added = Math.max(0, (now.getTime() - this.#accountedUntil.getTime()) / 1000);
      this.throttledSeconds += added;
    }
    this.#accountedUntil = now;
    const changed = next.level !== this.current.level;
    if (changed) this.levelSince = now;
    this.current = next;
    return { changed, throttledSecondsAdded: added };
  }

  /** The contract's view of this cluster. */
  health(): ClusterHealth {
    return ClusterHealth.fromPartial({
      clusterId: this.clusterId,
      level: this.current.level,
      signals: this.signals,
      reason: this.current.reason,
      manual: this.override ? toManualThrottle(this.override) : undefined,
      sampledAt: this.sampledAt,
      levelSince: this.levelSince,
      throttledSecondsTotal: this.throttledSeconds,
      cpuSource: cpuSourceOf(this.signals, this.sampledAt !== undefined),
      pace: this.pace().pace,
      paceReason: this.pace().reason,
    });
  }

  #effective(): EffectiveLevel {
    if (this.override && this.decision.level === ThrottleLevel.THROTTLE_LEVEL_CRITICAL) {
      // CRITICAL outranks every override: a RELEASE may lift THROTTLED, never a cluster about to fall
      // over (and a THROTTLE must not lower CRITICAL, which also cancels the statements in flight).
      const mode = this.override.mode === ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE ? 'release' : 'throttle';
      return {
        level: ThrottleLevel.THROTTLE_LEVEL_CRITICAL,
        cause: this.decision.cause,
        reason: `${this.decision.reason} (the manual ${mode} does not apply while CRITICAL)`,
      };
    }
    if (this.override) {
      const until = this.override.expiresAt ? ` until ${this.override.expiresAt.toISOString()}` : '';
      return { level: overriddenLevel(this.override), cause: 'manual', reason: `${this.override.reason}${until}` };
    }
    if (this.decision.level === ThrottleLevel.THROTTLE_LEVEL_UNSPECIFIED) {
      // Not sampled yet: the safe default, as for a missing signal.
      return { level: ThrottleLevel.THROTTLE_LEVEL_THROTTLED, cause: 'stale', reason: 'not sampled yet' };
    }
    return { level: this.decision.level, cause: this.decision.cause, reason: this.decision.reason };
  }
}

export function isThrottling(level: ThrottleLevel): boolean {
  return level === ThrottleLevel.THROTTLE_LEVEL_THROTTLED || level === ThrottleLevel.THROTTLE_LEVEL_CRITICAL;
}
