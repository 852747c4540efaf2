import { Option, type Command } from 'commander';
import { DriftPolicy, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { collect, parseInteger, parseLabels, parseList, parseRatio } from '../../options.js';
import { formatOption, type OutputFormat } from '../../output/format.js';
import { parseAllowList } from '../../plan/allow-list.js';
import { followToTheEnd } from './follow.js';
import { printRollout } from './rows.js';

interface CreateOptions {
  blueprint: string;
  version?: string;
  tenants: string[];
  label: string[];
  cluster: string[];
  batchSize?: string;
  maxBatchesInFlight?: string;
  tenantConcurrency?: string;
  canary?: boolean;
  maxFailed?: string;
  maxFailureRatio?: string;
  onDrift?: 'replan' | 'fail';
  allow: string[];
  dryRun?: boolean;
  watch?: boolean;
  format: OutputFormat;
}

export function registerRolloutCreate(group: Command): void {
  group
    .command('create')
    .description('roll a schema version out to the tenants of a blueprint, in batches')
    .requiredOption('--blueprint <name>', 'blueprint')
    .option('--version <n>', 'target version (default: the latest)')
    .option('--tenants <ids>', 'only these tenants (comma-separated, repeatable)', collect, [])
    .option('--label <k=v>', 'only tenants with this label (repeatable; all must match)', collect, [])
    .option('--cluster <ids>', 'only tenants on these clusters (comma-separated, repeatable)', collect, [])
    .option('--batch-size <n>', 'tenants per batch (default 50)')
    .option('--max-batches-in-flight <n>', 'batches published at a time (default 4)')
    .option('--tenant-concurrency <n>', 'tenants migrated at once inside one batch (default 4)')
    .option('--canary', 'run the first batch alone before the others')
    .option('--max-failed <n>', 'halt once this many tenants failed')
    .option('--max-failure-ratio <r>', 'halt once failed / finished exceeds this ratio (0-1)')
    .addOption(new Option('--on-drift <policy>', 'a tenant whose live schema drifted: replan it, or fail it').choices(['replan', 'fail']))
    .option('--allow <hazards>', 'hazards allowed on top of those the version allows (comma-separated, repeatable; "all")', collect, [])
    .option('--dry-run', 'plan and report, apply nothing')
    .option('--watch', 'follow the rollout with a progress bar; exit 0 when it SUCCEEDED, 1 otherwise')
    .addOption(formatOption())
    .action(async (options: CreateOptions) => {
      const request = {
        blueprint: options.blueprint,
        version: parseInteger('--version', options.version, 1) ?? 0,
        selector: { tenantIds: parseList(options.tenants), labels: parseLabels(options.label), clusterIds: parseList(options.cluster) },
        batchSize: parseInteger('--batch-size', options.batchSize, 1),
        maxBatchesInFlight: parseInteger('--max-batches-in-flight', options.maxBatchesInFlight, 1) ?? 0,
        tenantConcurrency: parseInteger('--tenant-concurrency', options.tenantConcurrency, 1) ?? 0,
        canary: options.canary ?? false,
        failurePolicy: {
          maxFailedTenants: parseInteger('--max-failed', options.maxFailed, 0) ?? 0,
          maxFailureRatio: parseRatio('--max-failure-ratio', options.maxFailureRatio) ?? 0,
          onDrift: { replan: DriftPolicy.DRIFT_POLICY_REPLAN, fail: DriftPolicy.DRIFT_POLICY_FAIL, none: DriftPolicy.DRIFT_POLICY_UNSPECIFIED }[options.onDrift ?? 'none'],
        },
        allowedHazards: parseAllowList(options.allow),
        dryRun: options.dryRun ?? false,
      };
      await withScheduler('rollout create', async (scheduler) => {
        const { rollout } = await unary(scheduler.rollouts, scheduler.rollouts.createRollout, request);
        const created = rollout!;
        if (!options.watch) {
          printRollout(options.format, created);
          return;
        }
        process.stderr.write(`rollout ${created.id}: ${created.counts?.total ?? 0} tenants, ${created.blueprint} v${created.version}\n`);
        await followToTheEnd(scheduler, created.id, options.format);
      });
    });
}
