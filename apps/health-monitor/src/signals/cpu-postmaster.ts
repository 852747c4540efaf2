import os from 'node:os';
import type { CpuSource } from './cpu-source.js';
import { findPostmaster, type PostmasterProcess } from './find-postmaster.js';
import { clockTicksPerSecond, machinePercentBetween, readProcessTree, type TreeReading } from './process-tree-cpu.js';

export interface PostmasterCpuOptions {
  /** Where /proc is (a test may point at an empty directory to play a server that is not visible). */
  procRoot?: string;
  /** The window the first read measures over (default 200 ms). */
  firstWindowMs?: number;
  /** Cores of the machine (default os.availableParallelism()). */
  cores?: number;
}

/**
 * The CPU used by the PostgreSQL server itself, as a share of the whole machine (0–100): the postmaster's
 * process tree (its own time, its reaped children's, its live children's) between two reads, divided by
 * elapsed time × cores. Unlike /proc/stat it leaves out whatever else runs on the host (the rollout's
 * executors, planner, NATS), so a busy rollout does not throttle itself.
 *
 * The postmaster is found through the sampling session at the first read (see findPostmaster) and again
 * after it went away (a restart); each read gives the share since the previous one, the first over
 * `firstWindowMs` of its own.
 */
export function postmasterCpuSource(options: PostmasterCpuOptions = {}): CpuSource {
  const { procRoot = '/proc', firstWindowMs = 200 } = options;
  const cores = options.cores ?? os.availableParallelism();
  let postmaster: PostmasterProcess | undefined;
  let previous: TreeReading | undefined;

  const readTree = async (pm: PostmasterProcess): Promise<TreeReading> => {
    const tree = await readProcessTree(pm.pid, procRoot);
    if (!tree || tree.root.starttime !== pm.starttime) {
      postmaster = undefined;
      previous = undefined;
      throw new Error(`the postmaster (pid ${pm.pid}) is gone, the server restarted? It is looked up again at the next read`);
    }
    return tree.reading;
  };

  return {
    kind: 'postmaster',
    async read(context) {
      if (!postmaster) {
        if (!context) throw new Error('the postmaster CPU source needs the cluster\'s sampling session to find the server');
        postmaster = await findPostmaster(context.session, procRoot);
      }
      const found = postmaster;
      if (!previous) {
        previous = await readTree(found);
        await new Promise((resolve) => setTimeout(resolve, firstWindowMs));
      }
      const current = await readTree(found);
      const percent = machinePercentBetween(previous, current, clockTicksPerSecond(), cores);
      previous = current;
      return percent;
    },
  };
}
