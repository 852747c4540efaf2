import { SignalSample } from '@fleetshift/contracts';
import type { SamplingSession } from '../clusters/sampling-session.js';
import { countActiveSessions } from './active-sessions.js';
import type { CpuSource } from './cpu-source.js';
import { listLockWaitersBlockedByFleetshift } from './lock-waiters.js';
import { readReplicationLag } from './replication-lag.js';
import { signalNames, type SignalLevelTable, type SignalName } from './signal-levels.js';

export interface ClusterSamplerOptions {
  session: SamplingSession;
  /** Absent: the CPU signal is not sampled for this cluster. Its readings go into `cpu.signal` (default cpu_percent). */
  cpu?: CpuSource;
  /** CPU cores of the database host. */
  cores: number;
  levels: SignalLevelTable;
}

export interface ClusterSample {
  signals: SignalSample[];
  /** What could not be read, for the log (never a password). */
  errors: string[];
}

/**
 * Samples every signal of one cluster once. A signal that cannot be read is reported with
 * `available: false` (the decision counts it as above its threshold) and its error in `errors`.
 * Replication lag appears only when the cluster has replicas. The signal fed by the CPU source carries
 * the source's kind in `source` (the others leave it empty).
 */
export async function sampleCluster(options: ClusterSamplerOptions): Promise<ClusterSample> {
  const signals: SignalSample[] = [];
  const errors: string[] = [];
  const sample = (name: SignalName, value: number, available = true, source?: string) =>
    signals.push(SignalSample.fromPartial({ name, value, available, source, ...options.levels[name] }));

  const [cpu, database] = await Promise.allSettled([
    options.cpu?.read({ session: options.session }),
    options.session.use(async (client) => ({
      active: await countActiveSessions(client),
      waiters: (await listLockWaitersBlockedByFleetshift(client)).length,
      replication: await readReplicationLag(client),
    })),
  ]);

  if (options.cpu) {
    // The kind is read after the read: auto may have fallen back to another source during it.
    const { kind, signal = signalNames.cpu } = options.cpu;
    if (!options.levels[signal]) {
      sample(signal, 0, false, kind);
      errors.push(`${signal} (${kind}): no threshold, release and critical levels configured for it`);
    } else if (cpu.status === 'fulfilled') sample(signal, cpu.value ?? 0, true, kind);
    else {
      sample(signal, 0, false, kind);
      errors.push(`${signal} (${kind}): ${(cpu.reason as Error).message}`);
    }
  }
  if (database.status === 'fulfilled') {
    sample(signalNames.sessions, database.value.active / options.cores);
    sample(signalNames.lockWaiters, database.value.waiters);
    if (database.value.replication.replicas > 0) sample(signalNames.replicationLag, database.value.replication.maxLagSeconds);
  } else {
    sample(signalNames.sessions, 0, false);
    sample(signalNames.lockWaiters, 0, false);
    errors.push(`database: ${(database.reason as Error).message}`);
  }
  return { signals, errors };
}

/**
 * ClusterHealth.cpu_source for a cluster's last sample: the source on the signal the CPU source fed,
 * "none" when the cluster is sampled without one, empty before the first sample.
 */
export function cpuSourceOf(signals: SignalSample[], sampled: boolean): string {
  if (!sampled) return '';
  return signals.find((signal) => signal.source !== '')?.source ?? 'none';
}
