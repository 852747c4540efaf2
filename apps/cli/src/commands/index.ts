import type { CommandRegistration } from '../command-registration.js';
import { planCommand } from './plan.js';

/**
 * Every sub-command of `fleetshift`, in help order. A new command is a new file in this folder
 * (rollout.ts, watch.ts, tenants.ts …) plus one line here; commands that talk to the scheduler get a
 * client from ../grpc/scheduler-clients.ts.
 */
export const commands: CommandRegistration[] = [planCommand];
