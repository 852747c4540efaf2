import type { CommandRegistration } from '../../command-registration.js';
import { registerThrottleList } from './list.js';
import { registerThrottleSet } from './set.js';

/** `fleetshift throttle list|set`: cluster throttle levels and manual overrides (health monitor). */
export const throttleCommand: CommandRegistration = {
  name: 'throttle',
  register(program) {
    const group = program.command('throttle').description('cluster throttle levels and manual overrides (health monitor)');
    registerThrottleList(group);
    registerThrottleSet(group);
  },
};
