import { SignalSample } from '@fleetshift/contracts';
import type { SamplingSession } from '../clusters/sampling-session.js';
import { countActiveSessions } from './active-sessions.js';
import type { CpuSource } from './cpu-source.js';
import { listLockWaitersBlockedByFleetshift } from './lock-waiters.js';
import { readReplicationLag } from './replication-lag.js';
import { signalNames, type SignalLevelTable, type SignalName } from './signal-levels.js';

export interface ClusterSamplerOptions {
  session: SamplingSession;
  /** Absent: the CPU signal is not sampled for this cluster. */
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
 * Replication lag appears only when the cluster has replicas.
 */
export async function sampleCluster(options: ClusterSamplerOptions): Promise<ClusterSample> {
  const signals: SignalSample[] = [];
  const errors: string[] = [];
  const sample = (name: SignalName, value: number, available = true) =>
    signals.push(SignalSample.fromPartial({ name, value, available, ...options.levels[name] }));

  const [cpu, database] = await Promise.allSettled([
    options.cpu?.read(),
    options.session.use(async (client) => ({
      active: await countActiveSessions(client),
      waiters: (await listLockWaitersBlockedByFleetshift(client)).length,
      replication: await readReplicationLag(client),
    })),
  ]);

  if (options.cpu) {
    if (cpu.status === 'fulfilled') sample(signalNames.cpu, cpu.value ?? 0);
    else {
      sample(signalNames.cpu, 0, false);
      errors.push(`${signalNames.cpu} (${options.cpu.kind}): ${(cpu.reason as Error).message}`);
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
