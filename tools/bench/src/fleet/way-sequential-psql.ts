import { psqlFanout } from './psql-fanout.js';
import { readyAt, type Way } from './way.js';

/** (b) What teams write: a loop over the tenants running the plain migration file, one psql process each, one after the other. */
export const sequentialPsqlWay: Way = {
  name: 'b',
  label: '(b) sequential psql loop',
  prepare: async (fleet) => readyAt(() => psqlFanout(fleet, 1)),
};
