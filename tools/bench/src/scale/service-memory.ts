import { readFile } from 'node:fs/promises';

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status); 0 once it is gone. */
export async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the RSS of named processes every `intervalMs`; `peaks()` gives each one's highest reading. */
export function sampleMemory(processes: Record<string, number>, intervalMs = 1_000) {
  const peaks = new Map<string, number>(Object.keys(processes).map((name) => [name, 0]));
  const sample = async () => {
    for (const [name, pid] of Object.entries(processes)) peaks.set(name, Math.max(peaks.get(name) ?? 0, await rssBytes(pid)));
  };
  void sample();
  const timer = setInterval(() => void sample(), intervalMs);
  return {
    peaks: () => new Map(peaks),
    async stop() {
      clearInterval(timer);
      await sample();
    },
  };
}
