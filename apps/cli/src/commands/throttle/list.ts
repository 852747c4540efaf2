import type { Command } from 'commander';
import { ClusterHealth, unary } from '@fleetshift/contracts';
import { withHealthMonitor } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { healthHead, healthRow } from './rows.js';

export function registerThrottleList(group: Command): void {
  group
    .command('list')
    .description('every cluster with its throttle level, the signals behind it and any manual override')
    .addOption(formatOption())
    .action(async (options: { format: OutputFormat }) => {
      const clusters = await withHealthMonitor('throttle list', (health) =>
        listAll((page) => unary(health.monitor, health.monitor.listClusterHealth, page), (page) => page.clusters),
      );
      printList(options.format, clusters, ClusterHealth.toJSON, healthHead, healthRow);
    });
}
