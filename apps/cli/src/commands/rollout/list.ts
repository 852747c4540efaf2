import type { Command } from 'commander';
import { Rollout, RolloutState, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { collect, parseInteger } from '../../options.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { rolloutHead, rolloutRow } from './rows.js';
import { parseStates } from './states.js';

export function registerRolloutList(group: Command): void {
  group
    .command('list')
    .description('list rollouts, newest first')
    .option('--blueprint <name>', 'only rollouts of this blueprint')
    .option('--state <states>', 'only rollouts in these states: pending, running, paused, halted, cancelled, succeeded, failed (repeatable)', collect, [])
    .option('--limit <n>', 'at most this many rollouts (default: every page)')
    .addOption(formatOption())
    .action(async (options: { blueprint?: string; state: string[]; limit?: string; format: OutputFormat }) => {
      const states = parseStates<RolloutState>(options.state, RolloutState, 'ROLLOUT_STATE_');
      const limit = parseInteger('--limit', options.limit, 1) ?? 0;
      const rollouts = await withScheduler('rollout list', (scheduler) =>
        listAll(
          (page) => unary(scheduler.rollouts, scheduler.rollouts.listRollouts, { blueprint: options.blueprint ?? '', states, limit: 0, ...page }),
          (page) => page.rollouts,
          limit,
        ),
      );
      printList(options.format, rollouts, Rollout.toJSON, rolloutHead, rolloutRow);
    });
}
