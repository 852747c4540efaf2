import { Option, type Command } from 'commander';
import { refusedHazards, renderJson } from '@fleetshift/schema';
import { CliError } from '../cli-error.js';
import type { CommandRegistration } from '../command-registration.js';
import { ExitCode } from '../exit-codes.js';
import { parseAllowList } from '../plan/allow-list.js';
import { planOffline } from '../plan/plan-offline.js';
import { readFromState } from '../plan/plan-input.js';
import { renderSqlScript } from '@fleetshift/plan-runner';
import { verifyOffline } from '../plan/verify-offline.js';
import { refusalMessage } from '../plan/refusal-message.js';
import { readSchemaFile } from '../plan/schema-file.js';
import { scratchServerUrl } from '../scratch-server.js';

interface PlanOptions {
  from: string;
  to: string;
  schema?: string;
  allow: string[];
  format: 'sql' | 'json';
  verify?: boolean;
}

/**
 * `fleetshift plan`: the lock-safe plan from a live database or a schema file to a schema file, computed
 * offline. Contract (issue 3): exit 0 plan printed; exit 3 hazards refused (stderr only); exit 2 bad input.
 */
export const planCommand: CommandRegistration = {
  name: 'plan',
  register(program: Command) {
    program
      .command('plan')
      .description('print the lock-safe plan that brings --from to --to')
      .requiredOption('--from <source>', 'current state: a postgres:// URL (introspected live), a .sql or an .oql file')
      .requiredOption('--to <file>', 'desired state: a .sql (PostgreSQL DDL) or .oql (OmniQL) file')
      .option('--schema <name>', 'plan one schema (schema-per-tenant): unqualified DDL lands in it')
      .option('--allow <hazards>', 'allow these hazard codes (comma-separated, repeatable; "all" allows every hazard)', collect, [])
      .addOption(new Option('--format <format>', 'output format').choices(['sql', 'json']).default('sql'))
      .option('--verify', 'replay the plan on a scratch copy of --from (schema only) and require it to reach --to before printing it')
      .action((options: PlanOptions) => runPlan(options));
  },
};

async function runPlan(options: PlanOptions): Promise<void> {
  const from = await readFromState(options.from);
  const to = await readSchemaFile('--to', options.to);
  const scratch = scratchServerUrl();
  const planned = await planOffline({ from, to, schema: options.schema, scratchServerUrl: scratch });
  const { plan } = planned;
  const refused = refusedHazards(plan, parseAllowList(options.allow));
  if (refused.length > 0) throw new CliError(refusalMessage(refused), ExitCode.HAZARDS_REFUSED);
  if (options.verify) {
    const sources = [...(from.kind === 'file' ? [from.source] : []), to];
    await verifyOffline(planned.from, plan, planned.to, { scratchServerUrl: scratch, schema: options.schema, sources });
  }
  process.stdout.write(options.format === 'json' ? renderJson(plan) : renderSqlScript(plan, { schema: options.schema }));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
