import type { Command } from 'commander';
import { unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, type OutputFormat } from '../../output/format.js';
import { printRollout } from './rows.js';

export function registerRolloutResume(group: Command): void {
  group
    .command('resume')
    .description('resume a paused rollout')
    .argument('<id>', 'rollout id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      const { rollout } = await withScheduler('rollout resume', (scheduler) => unary(scheduler.rollouts, scheduler.rollouts.resumeRollout, { rolloutId: id }));
      printRollout(options.format, rollout!);
    });
}
