import type { Command } from 'commander';
import { RolloutTenant, TenantRolloutState, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { collect, parseInteger } from '../../options.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { rolloutTenantHead, rolloutTenantRow } from './rows.js';
import { parseStates } from './states.js';

export function registerRolloutTenants(group: Command): void {
  group
    .command('tenants')
    .description('the tenants of a rollout with their state, attempts and last error')
    .argument('<id>', 'rollout id')
    .option('--state <states>', 'only tenants in these states: pending, queued, running, succeeded, failed, skipped, cancelled (repeatable)', collect, [])
    .option('--limit <n>', 'at most this many tenants (default: every page)')
    .addOption(formatOption())
    .action(async (id: string, options: { state: string[]; limit?: string; format: OutputFormat }) => {
      const states = parseStates<TenantRolloutState>(options.state, TenantRolloutState, 'TENANT_ROLLOUT_STATE_');
      const limit = parseInteger('--limit', options.limit, 1) ?? 0;
      const tenants = await withScheduler('rollout tenants', (scheduler) =>
        listAll(
          (page) => unary(scheduler.rollouts, scheduler.rollouts.listRolloutTenants, { rolloutId: id, states, limit: 0, ...page }),
          (page) => page.tenants,
          limit,
        ),
      );
      printList(options.format, tenants, RolloutTenant.toJSON, rolloutTenantHead, rolloutTenantRow);
    });
}
