import { describe, expect, it } from 'vitest';
import { listChildren, looksLikePostgres, parseProcPidStat, readProcPidStat } from './proc-pid-stat.js';
import { machinePercentBetween, processTreeTicks } from './process-tree-cpu.js';

// Fields 3.. of a real line (state, ppid, …, utime=14, stime=15, cutime=16, cstime=17, …, starttime=22).
const tail = 'S 2191 2191 2191 0 -1 4194304 51014 4849225 0 33 20 219 5322 9963 20 0 1 0 3465 222445568 7354';

describe('/proc/<pid>/stat', () => {
  it('takes the numeric fields after the last ")", whatever comm holds', () => {
    const stat = parseProcPidStat(`4242 (postgres: a) (b) c ) ${tail}\n`);
    expect(stat).toEqual({
      pid: 4242,
      comm: 'postgres: a) (b) c ',
      ppid: 2191,
      utime: 20,
      stime: 219,
      cutime: 5322,
      cstime: 9963,
      starttime: 3465,
    });
    expect(parseProcPidStat(`7 (x) ${tail}`).comm).toBe('x');
    expect(parseProcPidStat(`8 () ${tail}`).comm).toBe('');
  });

  it('names what is wrong in a line it cannot read', () => {
    expect(() => parseProcPidStat('4242 postgres S 1 2')).toThrow(/no "\(comm\)"/);
    expect(() => parseProcPidStat('4242 (postgres) S 1 2 3')).toThrow(/field 14 is "undefined"/);
    expect(() => parseProcPidStat(`x (postgres) ${tail}`)).toThrow(/pid "x"/);
    expect(() => parseProcPidStat(`9 (postgres) ${tail.replace(' 20 219 ', ' 20 -5 ')}`)).toThrow(/field 15 is "-5"/);
  });

  it('reads this process from the real /proc, and sees it is not PostgreSQL', async () => {
    const self = await readProcPidStat(process.pid);
    expect(self?.pid).toBe(process.pid);
    expect(self?.ppid).toBe(process.ppid);
    expect(self!.utime + self!.stime).toBeGreaterThan(0);
    expect(await looksLikePostgres(process.pid)).toBe(false);
    expect((await listChildren(process.ppid)).map((child) => child.pid)).toContain(process.pid);
    // A pid above pid_max (4194304 at most) cannot exist.
    expect(await readProcPidStat(4_194_305)).toBeUndefined();
  });
});

describe('process tree CPU arithmetic', () => {
  const stat = (utime: number, stime: number, cutime = 0, cstime = 0) => ({ pid: 1, comm: 'postgres', ppid: 0, utime, stime, cutime, cstime, starttime: 1 });

  it('adds the root (own and reaped children) and the live children, not their own reaped children', () => {
    expect(processTreeTicks(stat(10, 5, 100, 50), [stat(7, 3, 1000, 1000), stat(2, 0)])).toBe(10 + 5 + 100 + 50 + 7 + 3 + 2);
  });

  it('divides the CPU seconds used by elapsed seconds × cores', () => {
    // 150 ticks at 100/s = 1.5 CPU seconds over 1 s on 2 cores: 75 % of the machine.
    expect(machinePercentBetween({ ticks: 1000, atMs: 5000 }, { ticks: 1150, atMs: 6000 }, 100, 2)).toBe(75);
    // 40 ticks at 100/s over 2 s on 4 cores: 0.4 / 8 = 5 %.
    expect(machinePercentBetween({ ticks: 0, atMs: 0 }, { ticks: 40, atMs: 2000 }, 100, 4)).toBe(5);
    expect(machinePercentBetween({ ticks: 10, atMs: 0 }, { ticks: 10, atMs: 0 }, 100, 2)).toBe(0);
    // A child seen once and missed the next scan: never below 0 nor above 100.
    expect(machinePercentBetween({ ticks: 500, atMs: 0 }, { ticks: 400, atMs: 1000 }, 100, 2)).toBe(0);
    expect(machinePercentBetween({ ticks: 0, atMs: 0 }, { ticks: 900, atMs: 1000 }, 100, 2)).toBe(100);
  });
});
