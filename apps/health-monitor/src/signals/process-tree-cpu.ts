import { execFileSync } from 'node:child_process';
import { listChildren, readProcPidStat, type ProcPidStat } from './proc-pid-stat.js';

/**
 * CPU time used by a process and its children so far, in clock ticks: its own user+system time, that of
 * its children that already exited and were reaped (cutime+cstime: the backends of short-lived
 * connections end up there), and that of every live child. Grandchildren are not scanned: PostgreSQL's
 * backends and workers are all children of the postmaster.
 */
export function processTreeTicks(root: ProcPidStat, liveChildren: ProcPidStat[]): number {
  let ticks = root.utime + root.stime + root.cutime + root.cstime;
  for (const child of liveChildren) ticks += child.utime + child.stime;
  return ticks;
}

/** One reading of a process tree's CPU time and when it was taken (monotonic clock). */
export interface TreeReading {
  ticks: number;
  atMs: number;
}

/** Reads the tree of `pid`; undefined when the process is no longer visible. */
export async function readProcessTree(pid: number, procRoot = '/proc'): Promise<{ root: ProcPidStat; reading: TreeReading } | undefined> {
  const root = await readProcPidStat(pid, procRoot);
  if (!root) return undefined;
  const children = await listChildren(pid, procRoot);
  return { root, reading: { ticks: processTreeTicks(root, children), atMs: performance.now() } };
}

/**
 * The share of the whole machine the tree used between two readings, in percent (0–100): CPU seconds
 * used divided by elapsed seconds × cores. 0 when no time passed; clamped, because a child that ends
 * between two directory scans can make one delta slightly negative and the next slightly too large.
 */
export function machinePercentBetween(before: TreeReading, after: TreeReading, ticksPerSecond: number, cores: number): number {
  const elapsedSeconds = (after.atMs - before.atMs) / 1000;
  if (elapsedSeconds <= 0) return 0;
  const cpuSeconds = (after.ticks - before.ticks) / ticksPerSecond;
  return Math.min(100, Math.max(0, (cpuSeconds / (elapsedSeconds * cores)) * 100));
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of the /proc/<pid>/stat times: `getconf CLK_TCK`, read once; 100 (Linux's value) when getconf is missing. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}
