import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgres } from '@fleetshift/testing';
import { parseProcStat, postmasterPid, serverTicks } from './db-server-cpu.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetshift-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A /proc/<pid>/stat line: fields 3… are state, ppid, then zeros up to utime (14) … cstime (17). */
function statLine(pid: number, comm: string, ppid: number, [utime, stime, cutime, cstime]: number[]): string {
  const fields = ['S', ppid, ...Array(9).fill(0), utime, stime, cutime, cstime, 20, 0];
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

function proc(entries: Array<[number, string]>): string {
  const root = mkdtempSync(path.join(dir, 'proc-'));
  for (const [pid, line] of entries) {
    mkdirSync(path.join(root, String(pid)));
    writeFileSync(path.join(root, String(pid), 'stat'), line);
  }
  return root;
}

describe('the DB server CPU sampler', () => {
  it('reads the parent and CPU times after a command name with spaces and parentheses', () => {
    expect(parseProcStat(statLine(42, 'postgres: a (b) c', 7, [11, 12, 13, 14]))).toEqual({ pid: 42, ppid: 7, utime: 11, stime: 12, cutime: 13, cstime: 14 });
  });

  it("sums the postmaster's own and reaped children's time and its live children's, nobody else's", () => {
    const root = proc([
      [100, statLine(100, 'postgres', 1, [5, 5, 30, 10])],
      [101, statLine(101, 'postgres: checkpointer', 100, [7, 3, 99, 99])],
      [102, statLine(102, 'postgres: user db', 100, [20, 0, 0, 0])],
      [200, statLine(200, 'node', 1, [1000, 1000, 0, 0])],
    ]);
    expect(serverTicks(100, root)).toBe(5 + 5 + 30 + 10 + (7 + 3) + 20);
  });

  it('finds the real server on this host and its ticks grow', async () => {
    const pid = await postmasterPid(await findPostgres());
    const first = serverTicks(pid);
    expect(first).toBeGreaterThan(0);
    expect(serverTicks(pid)).toBeGreaterThanOrEqual(first);
  });
});
