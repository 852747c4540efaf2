import type { Command } from 'commander';
import { unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, type OutputFormat } from '../../output/format.js';
import { printRollout } from './rows.js';

export function registerRolloutCancel(group: Command): void {
  group
    .command('cancel')
    .description('cancel the tenants not yet started (each tenant ends at the old or the new version)')
    .argument('<id>', 'rollout id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      const { rollout } = await withScheduler('rollout cancel', (scheduler) => unary(scheduler.rollouts, scheduler.rollouts.cancelRollout, { rolloutId: id }));
      printRollout(options.format, rollout!);
    });
}
