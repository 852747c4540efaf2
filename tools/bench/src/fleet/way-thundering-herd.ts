import { psqlFanout } from './psql-fanout.js';
import { readyAt, type Way } from './way.js';

/** Processes at once in the herd: what `xargs -P 32` gives a team in a hurry. */
export const herdParallelism = 32;

/** (c) The thundering herd: the same plain migration on every tenant at once, `xargs -P 32` psql processes. */
export const thunderingHerdWay: Way = {
  name: 'c',
  label: `(c) herd: xargs -P ${herdParallelism} psql`,
  prepare: async (fleet) => readyAt(() => psqlFanout(fleet, herdParallelism)),
};
