import { readFile } from 'node:fs/promises';

/** Cumulative CPU time of the whole host, in jiffies, from the aggregate `cpu` line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * Parses the aggregate `cpu` line: user nice system idle iowait irq softirq steal [guest guest_nice].
 * Idle time is idle + iowait; guest time is already counted in user/nice, so it is not added again.
 */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate "cpu" line in /proc/stat');
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((f) => !Number.isFinite(f))) throw new Error(`unexpected /proc/stat cpu line: ${line}`);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** Busy share of the CPU time that passed between two readings, in percent (0 when no time passed). */
export function cpuPercentBetween(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, ((after.busy - before.busy) / total) * 100));
}

export interface ProcStatSamplerOptions {
  /** The file to read (default /proc/stat; a test may point at a file of its own). */
  path?: string;
  /** The window the first read measures over (default 200 ms). */
  firstWindowMs?: number;
}

/** Reads the CPU utilisation of this host, in percent, since the previous read. */
export interface CpuSampler {
  read(): Promise<number>;
}

/**
 * The CPU utilisation of the host this process runs on: each read gives the busy share since the
 * previous one. The first read measures over a short window of its own, not over whatever happened
 * since the sampler was created.
 */
export function procStatSampler(options: ProcStatSamplerOptions = {}): CpuSampler {
  const { path = '/proc/stat', firstWindowMs = 200 } = options;
  let previous: CpuTimes | undefined;
  return {
    async read() {
      if (!previous) {
        previous = parseProcStat(await readFile(path, 'utf8'));
        await new Promise((resolve) => setTimeout(resolve, firstWindowMs));
      }
      const current = parseProcStat(await readFile(path, 'utf8'));
      const percent = cpuPercentBetween(previous, current);
      previous = current;
      return percent;
    },
  };
}
