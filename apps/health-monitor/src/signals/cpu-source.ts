import type { ClientBase } from 'pg';
import type { SignalName } from './signal-levels.js';

/** The cluster's sampling connection (SamplingSession), for sources that ask the server something. */
export interface SessionRunner {
  use<T>(work: (client: ClientBase) => Promise<T>): Promise<T>;
}

/** What a read may use besides the source's own state. */
export interface CpuReadContext {
  session: SessionRunner;
}

/**
 * Where the load of a database host comes from: its CPU utilisation (postmaster, proc-stat,
 * prometheus) or, for a cluster that offers neither /proc nor Prometheus, its transaction rate
 * (pg-stats). The kind names the source in logs, in SignalSample.source and ClusterHealth.cpu_source.
 */
export interface CpuSource {
  /** "postmaster", "proc-stat", "prometheus" or "pg-stats"; may change (auto falls back from postmaster to proc-stat). */
  readonly kind: string;
  /** The signal the readings go into: cpu_percent unless said otherwise (pg-stats: xact_rate, not a CPU percentage). */
  readonly signal?: SignalName;
  /** The reading since the previous read (CPU: percent 0–100 of the whole machine); throws when it cannot be read. */
  read(context?: CpuReadContext): Promise<number>;
}
