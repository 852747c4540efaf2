import type { Command } from 'commander';
import { SchemaVersion, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { versionHead, versionRow } from './rows.js';

export function registerSchemaList(group: Command): void {
  group
    .command('list')
    .description('list the schema versions of a blueprint')
    .requiredOption('--blueprint <name>', 'blueprint')
    .addOption(formatOption())
    .action(async (options: { blueprint: string; format: OutputFormat }) => {
      const versions = await withScheduler('schema list', (scheduler) =>
        listAll((page) => unary(scheduler.schemas, scheduler.schemas.listSchemaVersions, { blueprint: options.blueprint, ...page }), (page) => page.versions),
      );
      printList(options.format, versions, SchemaVersion.toJSON, versionHead, versionRow);
    });
}
