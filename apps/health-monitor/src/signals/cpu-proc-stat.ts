import { procStatSampler } from '@fleetshift/host-cpu';
import type { CpuSource } from './cpu-source.js';

/**
 * CPU utilisation of the host this process runs on (the default for a database on the same host), from
 * /proc/stat through libs/host-cpu: each read gives the utilisation since the previous one, the first
 * over a short window (`firstWindowMs`) of its own.
 */
export function procStatCpuSource(path?: string, firstWindowMs?: number): CpuSource {
  const sampler = procStatSampler({ path, firstWindowMs });
  return { kind: 'proc-stat', read: () => sampler.read() };
}
