import type { CommandRegistration } from '../command-registration.js';
import { clusterCommand } from './cluster/index.js';
import { planCommand } from './plan.js';
import { rolloutCommand } from './rollout/index.js';
import { schemaCommand } from './schema/index.js';
import { tenantCommand } from './tenant/index.js';
import { throttleCommand } from './throttle/index.js';

/**
 * Every sub-command of `fleetshift`, in help order. A new command is a new file in this folder (a group
 * such as `rollout` is a folder with one file per sub-command) plus one line here; commands that talk to
 * the scheduler or the health monitor run their calls through ../grpc/call.ts.
 */
export const commands: CommandRegistration[] = [planCommand, schemaCommand, clusterCommand, tenantCommand, rolloutCommand, throttleCommand];
