import type { Command } from 'commander';
import { Rollout, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, printObject, type OutputFormat } from '../../output/format.js';
import { rolloutFields } from './rows.js';

export function registerRolloutRetry(group: Command): void {
  group
    .command('retry')
    .description('queue the failed tenants of a rollout again (and only those)')
    .argument('<id>', 'rollout id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      const { rollout, retried } = await withScheduler('rollout retry', (scheduler) => unary(scheduler.rollouts, scheduler.rollouts.retryFailed, { rolloutId: id }));
      const shown = rollout!;
      printObject(options.format, { retried, rollout: Rollout.toJSON(shown) }, ['rollout', shown.id], [['retried tenants', String(retried)], ...rolloutFields(shown)]);
    });
}
