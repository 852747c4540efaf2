import type { CommandRegistration } from '../../command-registration.js';
import { registerRolloutCancel } from './cancel.js';
import { registerRolloutCreate } from './create.js';
import { registerRolloutList } from './list.js';
import { registerRolloutPause } from './pause.js';
import { registerRolloutResume } from './resume.js';
import { registerRolloutRetry } from './retry.js';
import { registerRolloutShow } from './show.js';
import { registerRolloutTenants } from './tenants.js';
import { registerRolloutWatch } from './watch.js';

/** `fleetshift rollout …`: create, follow and steer rollouts (scheduler). */
export const rolloutCommand: CommandRegistration = {
  name: 'rollout',
  register(program) {
    const group = program.command('rollout').description('create, watch, pause, resume, cancel and retry rollouts');
    registerRolloutCreate(group);
    registerRolloutList(group);
    registerRolloutShow(group);
    registerRolloutTenants(group);
    registerRolloutWatch(group);
    registerRolloutPause(group);
    registerRolloutResume(group);
    registerRolloutCancel(group);
    registerRolloutRetry(group);
  },
};
