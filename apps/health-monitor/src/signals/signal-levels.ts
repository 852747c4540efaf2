/** The names of the signals, as they appear in SignalSample.name, ThrottleSignal.cause and metrics. */
export const signalNames = {
  cpu: 'cpu_percent',
  sessions: 'active_sessions_per_core',
  lockWaiters: 'lock_waiters',
  replicationLag: 'replication_lag_seconds',
  /** Transactions per second, sampled only for a cluster whose CPU source is pg-stats. */
  xactRate: 'xact_rate',
} as const;

export type SignalName = (typeof signalNames)[keyof typeof signalNames];

/** The levels one signal is judged against (see SignalSample in common.proto). */
export interface SignalLevels {
  threshold: number;
  release: number;
  critical: number;
}

/** The levels of every signal; xact_rate's may be left out where no cluster uses the pg-stats source. */
export type SignalLevelTable = Record<Exclude<SignalName, typeof signalNames.xactRate>, SignalLevels> & {
  [signalNames.xactRate]?: SignalLevels;
};

/** Checks release < threshold < critical, naming the signal when not. */
export function assertSignalLevels(table: SignalLevelTable): void {
  for (const [name, levels] of Object.entries(table)) {
    if (!levels) continue;
    if (!(levels.release <= levels.threshold && levels.threshold < levels.critical)) {
      throw new Error(
        `${name}: expected release (${levels.release}) <= threshold (${levels.threshold}) < critical (${levels.critical})`,
      );
    }
  }
}
