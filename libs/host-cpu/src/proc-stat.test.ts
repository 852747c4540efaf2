import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuPercentBetween, parseProcStat, procStatSampler } from './proc-stat.js';

describe('/proc/stat CPU', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'host-cpu-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('computes the busy share between two readings, iowait counted as idle', () => {
    const before = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n');
    const after = parseProcStat('cpu  250 0 150 800 200 0 0 0 0 0\n');
    expect(before).toEqual({ busy: 200, total: 1000 });
    // 200 busy jiffies out of 400 elapsed.
    expect(cpuPercentBetween(before, after)).toBe(50);
    expect(cpuPercentBetween(after, after)).toBe(0);
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow(/no aggregate "cpu" line/);
    expect(() => parseProcStat('cpu  1 2 x 4\n')).toThrow(/unexpected \/proc\/stat cpu line: cpu {2}1 2 x 4/);
  });

  it('gives the utilisation since the previous read', async () => {
    const file = path.join(dir, 'stat');
    await writeFile(file, 'cpu  100 0 100 700 100 0 0 0 0 0\n');
    const sampler = procStatSampler({ path: file, firstWindowMs: 1 });
    // No jiffies passed within the first window: 0.
    expect(await sampler.read()).toBe(0);
    await writeFile(file, 'cpu  250 0 150 800 200 0 0 0 0 0\n');
    expect(await sampler.read()).toBe(50);
    await writeFile(file, 'cpu  650 0 150 800 200 0 0 0 0 0\n');
    expect(await sampler.read()).toBe(100);
    await expect(procStatSampler({ path: path.join(dir, 'missing') }).read()).rejects.toThrow(/ENOENT/);
  });

  it('reads this host\'s CPU as a percentage', async () => {
    const sampler = procStatSampler();
    for (const value of [await sampler.read(), await sampler.read()]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(100);
    }
  });
});
