import type { CommandRegistration } from '../../command-registration.js';
import { registerTenantHistory } from './history.js';
import { registerTenantList } from './list.js';
import { registerTenantRegister } from './register.js';
import { registerTenantShow } from './show.js';

/** `fleetshift tenant register|list|show|history` (scheduler). */
export const tenantCommand: CommandRegistration = {
  name: 'tenant',
  register(program) {
    const group = program.command('tenant').description('register, list and inspect tenants');
    registerTenantRegister(group);
    registerTenantList(group);
    registerTenantShow(group);
    registerTenantHistory(group);
  },
};
