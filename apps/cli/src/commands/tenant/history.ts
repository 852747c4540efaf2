import type { Command } from 'commander';
import { TenantEvent, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { parseInteger } from '../../options.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { eventHead, eventRow } from './rows.js';

interface HistoryOptions {
  rollout?: string;
  limit?: string;
  format: OutputFormat;
}

export function registerTenantHistory(group: Command): void {
  group
    .command('history')
    .description("a tenant's append-only history: provisioned, started, succeeded, failed … with versions and errors")
    .argument('<id>', 'tenant id')
    .option('--rollout <id>', 'only the events of this rollout')
    .option('--limit <n>', 'at most this many events (default: every page)')
    .addOption(formatOption())
    .action(async (id: string, options: HistoryOptions) => {
      const limit = parseInteger('--limit', options.limit, 1) ?? 0;
      const events = await withScheduler('tenant history', (scheduler) =>
        listAll(
          (page) => unary(scheduler.tenants, scheduler.tenants.listTenantEvents, { tenantId: id, rolloutId: options.rollout ?? '', limit: 0, ...page }),
          (page) => page.events,
          limit,
        ),
      );
      printList(options.format, events, TenantEvent.toJSON, eventHead, eventRow);
    });
}
