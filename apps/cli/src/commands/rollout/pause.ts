import type { Command } from 'commander';
import { unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, type OutputFormat } from '../../output/format.js';
import { printRollout } from './rows.js';

export function registerRolloutPause(group: Command): void {
  group
    .command('pause')
    .description('stop new tenants from starting (tenants in hand finish)')
    .argument('<id>', 'rollout id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      const { rollout } = await withScheduler('rollout pause', (scheduler) => unary(scheduler.rollouts, scheduler.rollouts.pauseRollout, { rolloutId: id }));
      printRollout(options.format, rollout!);
    });
}
