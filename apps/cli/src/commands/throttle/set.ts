import { Option, type Command } from 'commander';
import { ClusterHealth, ManualThrottleMode, unary } from '@fleetshift/contracts';
import { withHealthMonitor } from '../../grpc/call.js';
import { parseInteger } from '../../options.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { healthHead, healthRow } from './rows.js';

const modes = {
  throttle: ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE,
  release: ManualThrottleMode.MANUAL_THROTTLE_MODE_RELEASE,
  clear: ManualThrottleMode.MANUAL_THROTTLE_MODE_CLEAR,
};

interface SetOptions {
  cluster: string;
  mode: keyof typeof modes;
  ttl?: string;
  reason?: string;
  format: OutputFormat;
}

export function registerThrottleSet(group: Command): void {
  group
    .command('set')
    .description('throttle or release a cluster by hand (maintenance windows), or clear the override')
    .requiredOption('--cluster <id>', 'cluster id, or * for every cluster')
    .addOption(new Option('--mode <mode>', 'throttle: no new tenant starts; release: force OK; clear: the signals decide again').choices(Object.keys(modes)).makeOptionMandatory())
    .option('--ttl <seconds>', 'the override expires after this many seconds (default: until cleared)')
    .option('--reason <text>', 'why (shown to operators)')
    .addOption(formatOption())
    .action(async (options: SetOptions) => {
      const ttlSeconds = parseInteger('--ttl', options.ttl, 1) ?? 0;
      const { clusters } = await withHealthMonitor('throttle set', (health) =>
        unary(health.monitor, health.monitor.setManualThrottle, {
          clusterId: options.cluster,
          mode: modes[options.mode],
          reason: options.reason ?? '',
          ttlSeconds,
        }),
      );
      printList(options.format, clusters, ClusterHealth.toJSON, healthHead, healthRow);
    });
}
