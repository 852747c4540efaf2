import type { Command } from 'commander';
import { Cluster, unary } from '@fleetshift/contracts';
import { withScheduler } from '../../grpc/call.js';
import { listAll } from '../../grpc/list-all.js';
import { formatOption, printList, type OutputFormat } from '../../output/format.js';
import { clusterHead, clusterRow } from './rows.js';

export function registerClusterList(group: Command): void {
  group
    .command('list')
    .description('list the registered database clusters')
    .addOption(formatOption())
    .action(async (options: { format: OutputFormat }) => {
      const clusters = await withScheduler('cluster list', (scheduler) =>
        listAll((page) => unary(scheduler.tenants, scheduler.tenants.listClusters, page), (page) => page.clusters),
      );
      printList(options.format, clusters, Cluster.toJSON, clusterHead, clusterRow);
    });
}
