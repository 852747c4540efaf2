import type { Command } from 'commander';
import { Tenant, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { collect, parseLabels } from '../../options.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { tenantHead, tenantRow } from './rows.js';

interface ListOptions {
  blueprint?: string;
  cluster?: string;
  label: string[];
  format: OutputFormat;
}

export function registerTenantList(group: Command): void {
  group
    .command('list')
    .description('list tenants (every page), optionally of one blueprint, cluster or labels')
    .option('--blueprint <name>', 'only tenants of this blueprint')
    .option('--cluster <id>', 'only tenants on this cluster')
    .option('--label <k=v>', 'only tenants with this label (repeatable; all must match)', collect, [])
    .addOption(formatOption())
    .action(async (options: ListOptions) => {
      const labels = parseLabels(options.label);
      const tenants = await withScheduler('tenant list', (scheduler) =>
        listAll(
          (page) => unary(scheduler.tenants, scheduler.tenants.listTenants, { blueprint: options.blueprint ?? '', clusterId: options.cluster ?? '', labels, ...page }),
          (page) => page.tenants,
        ),
      );
      printList(options.format, tenants, Tenant.toJSON, tenantHead, tenantRow);
    });
}
