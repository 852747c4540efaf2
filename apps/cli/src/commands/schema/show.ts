import type { Command } from 'commander';
import { SchemaVersion, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { parseInteger } from '../../options.js';
import { formatOption, printObject, type OutputFormat } from '../../output/format.js';
import { versionFields } from './rows.js';

export function registerSchemaShow(group: Command): void {
  group
    .command('show')
    .description('show one schema version of a blueprint (default: the latest) with its schema text')
    .requiredOption('--blueprint <name>', 'blueprint')
    .option('--version <n>', 'version number (default: the latest)')
    .addOption(formatOption())
    .action(async (options: { blueprint: string; version?: string; format: OutputFormat }) => {
      const number = parseInteger('--version', options.version, 1) ?? 0;
      const { version } = await withScheduler('schema show', (scheduler) =>
        unary(scheduler.schemas, scheduler.schemas.getSchemaVersion, { blueprint: options.blueprint, version: number }),
      );
      const shown = version!;
      printObject(options.format, SchemaVersion.toJSON(shown), [`${shown.blueprint} v${shown.version}`, ''], versionFields(shown));
      if (options.format === 'table') process.stdout.write(`\n${shown.schema?.text.trimEnd() ?? ''}\n`);
    });
}
