import type { CommandRegistration } from '../../command-registration.js';
import { registerClusterList } from './list.js';
import { registerClusterRegister } from './register.js';

/** `fleetshift cluster register|list`: the database clusters tenants live on (scheduler). */
export const clusterCommand: CommandRegistration = {
  name: 'cluster',
  register(program) {
    const group = program.command('cluster').description('register and list database clusters');
    registerClusterRegister(group);
    registerClusterList(group);
  },
};
