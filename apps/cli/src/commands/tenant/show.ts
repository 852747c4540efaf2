import type { Command } from 'commander';
import { Tenant, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { formatOption, printObject, type OutputFormat } from '../../output/format.js';
import { tenantFields } from './rows.js';

export function registerTenantShow(group: Command): void {
  group
    .command('show')
    .description('show one tenant: blueprint, version, fingerprint, where it lives')
    .argument('<id>', 'tenant id')
    .addOption(formatOption())
    .action(async (id: string, options: { format: OutputFormat }) => {
      const { tenant } = await withScheduler('tenant show', (scheduler) => unary(scheduler.tenants, scheduler.tenants.getTenant, { tenantId: id }));
      const shown = tenant!;
      printObject(options.format, Tenant.toJSON(shown), ['tenant', shown.id], tenantFields(shown));
    });
}
