import type { Command } from 'commander';
import { unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, type OutputFormat } from '../../output/format.js';
import { printRollout } from './rows.js';

export function registerRolloutShow(group: Command): void {
  group
    .command('show')
    .description('show one rollout: state, counts, batches, policy, throttles, halt reason')
    .argument('<id>', 'rollout id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      const { rollout } = await withScheduler('rollout show', (scheduler) => unary(scheduler.rollouts, scheduler.rollouts.getRollout, { rolloutId: id }));
      printRollout(options.format, rollout!);
    });
}
