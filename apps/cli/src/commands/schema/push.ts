import type { Command } from 'commander';
import { SchemaVersion, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { collect } from '../../options.js';
import { formatOption, printObject, type OutputFormat } from '../../output/format.js';
import { parseAllowList } from '../../plan/allow-list.js';
import { readSchemaFile } from '../../plan/schema-file.js';
import { versionFields } from './rows.js';

interface PushOptions {
  blueprint: string;
  file: string;
  allow: string[];
  description?: string;
  format: OutputFormat;
}

export function registerSchemaPush(group: Command): void {
  group
    .command('push')
    .description('validate a schema file through the planner and store it as the next version of the blueprint')
    .requiredOption('--blueprint <name>', 'blueprint (created on first push)')
    .requiredOption('--file <path>', 'desired schema: PostgreSQL DDL, or OmniQL for .oql')
    .option('--allow <hazards>', 'hazards rollouts to this version may take (comma-separated, repeatable)', collect, [])
    .option('--description <text>', 'what this version changes')
    .addOption(formatOption())
    .action(async (options: PushOptions) => {
      const allowedHazards = parseAllowList(options.allow);
      const schema = await readSchemaFile('--file', options.file);
      const response = await withScheduler('schema push', (scheduler) =>
        unary(scheduler.schemas, scheduler.schemas.pushSchemaVersion, {
          blueprint: options.blueprint,
          schema,
          allowedHazards,
          description: options.description ?? '',
        }),
      );
      const version = response.version!;
      const title: [string, string] = [
        `${version.blueprint} v${version.version}`,
        response.created ? 'created' : 'unchanged (equals the latest version)',
      ];
      printObject(options.format, { created: response.created, version: SchemaVersion.toJSON(version) }, title, versionFields(version));
    });
}
