import type { Command } from 'commander';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, type OutputFormat } from '../../output/format.js';
import { followToTheEnd } from './follow.js';

export function registerRolloutWatch(group: Command): void {
  group
    .command('watch')
    .description('follow a rollout with a live progress bar until it ends; exit 0 when it SUCCEEDED, 1 otherwise')
    .argument('<id>', 'rollout id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      await withScheduler('rollout watch', (scheduler) => followToTheEnd(scheduler, id, options.format));
    });
}
