import { Option, type Command } from 'commander';
import { Isolation, Tenant, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { collect, parseLabels } from '../../options.js';
import { formatOption, printObject, type OutputFormat } from '../../output/format.js';
import { tenantFields } from './rows.js';

interface RegisterOptions {
  id: string;
  blueprint: string;
  cluster: string;
  isolation: 'database' | 'schema';
  database?: string;
  schema?: string;
  label: string[];
  provision?: boolean;
  format: OutputFormat;
}

export function registerTenantRegister(group: Command): void {
  group
    .command('register')
    .description('register a tenant; with --provision also create its database or schema at the latest version')
    .requiredOption('--id <id>', 'tenant id')
    .requiredOption('--blueprint <name>', 'blueprint the tenant follows')
    .requiredOption('--cluster <id>', 'cluster the tenant lives on')
    .addOption(new Option('--isolation <kind>', 'one database per tenant, or one schema in a shared database').choices(['database', 'schema']).default('database'))
    .option('--database <name>', 'database name (default {blueprint}__{tenant}, or {blueprint} for schema isolation)')
    .option('--schema <name>', 'schema name for schema isolation (default: the tenant id)')
    .option('--label <k=v>', 'label (repeatable)', collect, [])
    .option('--provision', 'create the database or schema and bring it to the latest version')
    .addOption(formatOption())
    .action(async (options: RegisterOptions) => {
      const isolation = options.isolation === 'schema' ? Isolation.ISOLATION_SCHEMA : Isolation.ISOLATION_DATABASE;
      const { tenant } = await withScheduler('tenant register', (scheduler) =>
        unary(scheduler.tenants, scheduler.tenants.registerTenant, {
          tenantId: options.id,
          blueprint: options.blueprint,
          clusterId: options.cluster,
          isolation,
          database: options.database ?? '',
          schema: options.schema ?? '',
          labels: parseLabels(options.label),
          provision: options.provision ?? false,
        }),
      );
      const registered = tenant!;
      printObject(options.format, Tenant.toJSON(registered), ['tenant', registered.id], tenantFields(registered));
    });
}
