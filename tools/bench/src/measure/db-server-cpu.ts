import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';

/** One /proc/<pid>/stat line: the parent and the CPU times (clock ticks). */
export interface ProcStat {
  pid: number;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold spaces or ')',
 * so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 60))}`);
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  // After ')': state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  return { pid, ppid: field(4), utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) };
}

/**
 * CPU ticks the server's process tree has used so far: the postmaster's own and reaped children's
 * (utime+stime+cutime+cstime) plus every live child's utime+stime. A child that exits moves its time into
 * the postmaster's cutime/cstime when reaped, so the sum keeps growing across short-lived backends.
 *
 * A child reaped between reading the postmaster and reading the child would be counted nowhere (or
 * twice), a dip then a spike as large as everything that backend ever used; so the postmaster is read
 * before and after the children, and the reading is taken again when a reap happened in between.
 */
export function serverTicks(postmasterPid: number, procDir = '/proc'): number {
  const readPostmaster = () => parseProcStat(readFileSync(`${procDir}/${postmasterPid}/stat`, 'utf8'));
  for (let attempt = 0; ; attempt += 1) {
    const before = readPostmaster();
    let children = 0;
    for (const entry of readdirSync(procDir)) {
      if (!/^\d+$/.test(entry) || Number(entry) === postmasterPid) continue;
      let stat: ProcStat;
      try {
        stat = parseProcStat(readFileSync(`${procDir}/${entry}/stat`, 'utf8'));
      } catch {
        continue; // gone between the listing and the read (its time is in cutime/cstime by now)
      }
      if (stat.ppid === postmasterPid) children += stat.utime + stat.stime;
    }
    const after = readPostmaster();
    const reaped = after.cutime + after.cstime !== before.cutime + before.cstime;
    if (!reaped || attempt >= 20) return before.utime + before.stime + before.cutime + before.cstime + children;
  }
}

/** The postmaster's pid: the parent of this session's backend. Throws when the server is not a process on this host. */
export async function postmasterPid(serverUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-bench-cpu' });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    try {
      return parseProcStat(readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8')).ppid;
    } catch (error) {
      throw new Error(`the PostgreSQL server is not a process on this host (backend pid ${rows[0].pid} not in /proc): its CPU cannot be sampled`, { cause: error });
    }
  } finally {
    await client.end();
  }
}

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // USER_HZ on every Linux architecture in use
    }
  }
  return ticksPerSecond;
}

export interface CpuSample {
  /** Epoch milliseconds at the end of the interval. */
  at: number;
  /** Share of the host's cores the server used over the interval, 0–100. */
  percent: number;
}

export interface CpuProfile {
  samples: CpuSample[];
  /** Over the whole sampled period (total ticks ÷ elapsed ÷ cores), not the mean of the samples. */
  meanPercent: number;
  peakPercent: number;
}

export interface DbServerCpuSampler {
  stop(): CpuProfile;
}

/** Samples the server's process-tree CPU every `intervalMs` until stop(). */
export function sampleDbServerCpu(pid: number, intervalMs = 500): DbServerCpuSampler {
  const cores = os.cpus().length;
  const hz = clockTicksPerSecond();
  const percentOf = (ticks: number, ms: number) => (ms > 0 ? (100 * ticks) / hz / (ms / 1000) / cores : 0);
  const start = { at: Date.now(), ticks: serverTicks(pid) };
  let last = start;
  const samples: CpuSample[] = [];
  const take = () => {
    const now = { at: Date.now(), ticks: serverTicks(pid) };
    samples.push({ at: now.at, percent: Math.max(0, percentOf(now.ticks - last.ticks, now.at - last.at)) });
    last = now;
  };
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        samples,
        meanPercent: Math.max(0, percentOf(last.ticks - start.ticks, last.at - start.at)),
        peakPercent: Math.max(0, ...samples.map((s) => s.percent)),
      };
    },
  };
}
