import type { CpuSource } from './cpu-source.js';
import { PostmasterNotVisibleError } from './find-postmaster.js';

/**
 * `auto` for a cluster on this host: the postmaster's CPU, or, when the server turns out not to be
 * visible from here (a loopback port forwarded into a container with its own pid namespace), the whole
 * host's from then on — what the monitor measured before the postmaster source existed, and better than
 * a CPU signal that never reads (which would throttle the cluster for good). `kind` says which one is
 * in use, so ClusterHealth.cpu_source shows the fallback. Other errors (the database down) do not fall back.
 */
export function localCpuSource(postmaster: CpuSource, host: () => CpuSource): CpuSource {
  let current = postmaster;
  return {
    get kind() {
      return current.kind;
    },
    async read(context) {
      try {
        return await current.read(context);
      } catch (error) {
        if (current !== postmaster || !(error instanceof PostmasterNotVisibleError)) throw error;
        current = host();
        return current.read(context);
      }
    },
  };
}
