import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/** The fields of /proc/<pid>/stat the postmaster CPU source needs (times in clock ticks). */
export interface ProcPidStat {
  pid: number;
  comm: string;
  ppid: number;
  /** CPU time of the process itself, user and system. */
  utime: number;
  stime: number;
  /** CPU time of its children that exited and were waited for (reaped), user and system. */
  cutime: number;
  cstime: number;
  /** When the process started, in ticks after boot: with the pid, it names one process for good. */
  starttime: number;
}

/**
 * Parses one /proc/<pid>/stat line: `pid (comm) state ppid … utime stime cutime cstime … starttime …`.
 * comm is the executable name as the process set it and may hold spaces and parentheses, so the
 * numeric fields are those after the LAST ')'.
 */
export function parseProcPidStat(text: string): ProcPidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`unexpected /proc/<pid>/stat line (no "(comm)"): ${text.slice(0, 120)}`);
  const pid = Number(text.slice(0, open).trim());
  // Field 3 (state) is rest[0], so field n of proc(5) is rest[n - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): number => {
    const value = Number(rest[n - 3]);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`unexpected /proc/<pid>/stat line (field ${n} is "${rest[n - 3]}"): ${text.slice(0, 120)}`);
    return value;
  };
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`unexpected /proc/<pid>/stat line (pid "${text.slice(0, open).trim()}")`);
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    starttime: field(22),
  };
}

/** /proc/<pid>/stat, or undefined when no such process is visible (ended, or in another pid namespace). */
export async function readProcPidStat(pid: number, procRoot = '/proc'): Promise<ProcPidStat | undefined> {
  try {
    return parseProcPidStat(await readFile(path.join(procRoot, String(pid), 'stat'), 'utf8'));
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/**
 * The live children of `parentPid`: every /proc/<pid>/stat whose ppid is it. A process that ends
 * while the directory is read is skipped (its time shows up in the parent's cutime/cstime once reaped).
 */
export async function listChildren(parentPid: number, procRoot = '/proc'): Promise<ProcPidStat[]> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map((pid) => readProcPidStat(pid, procRoot)));
  return stats.filter((stat): stat is ProcPidStat => stat !== undefined && stat.ppid === parentPid);
}

/**
 * True when the process is a PostgreSQL server process: comm `postgres` (or `postmaster`), or a
 * command line whose program is one, or a backend's retitled command line (`postgres: …`).
 */
export async function looksLikePostgres(pid: number, procRoot = '/proc'): Promise<boolean> {
  const read = (file: string) => readFile(path.join(procRoot, String(pid), file), 'utf8').catch(() => '');
  const comm = (await read('comm')).trim();
  if (comm === 'postgres' || comm === 'postmaster') return true;
  // argv[0] up to the first space: `<pg_config --bindir>/postgres` or a title `postgres: 15/main: …`.
  const program = (await read('cmdline')).split('\0')[0].split(' ')[0];
  return /^(postgres|postmaster):?$/.test(path.basename(program));
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  // ESRCH: the process ended between opening its directory and reading the file.
  return code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR';
}
