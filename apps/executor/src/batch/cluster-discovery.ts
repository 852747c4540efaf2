import type { JetStreamManager } from '@nats-io/jetstream';
import { BatchJob } from '@fleetshift/contracts';
import { decodeMessage, ensureClusterConsumer, listClusterConsumers, type BusNames, type ClusterConsumer } from '@fleetshift/bus';

/**
 * The clusters there is work for: the batch stream's cluster consumers (created by the scheduler, or by
 * an executor), plus any `<ns>.batch.<cluster>` subject holding batches but no consumer yet — for those
 * the executor creates the consumer itself, sized from the newest batch's connection budget and tenant
 * concurrency (ensureClusterConsumer is idempotent, so racing executors agree).
 */
export async function discoverClusters(jsm: JetStreamManager, names: BusNames, ackWaitMs: number): Promise<ClusterConsumer[]> {
  const consumers = await listClusterConsumers(jsm, names);
  const known = new Set(consumers.map((c) => c.clusterId));
  const info = await jsm.streams.info(names.batchStream, { subjects_filter: names.batchSubjects });
  const prefix = names.batchSubject('x').slice(0, -1);
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const clusterId = subject.slice(prefix.length);
    if (known.has(clusterId)) continue;
    const last = await jsm.streams.getMessage(names.batchStream, { last_by_subj: subject }).catch(() => undefined);
    if (!last) continue;
    const job = decodeMessage(BatchJob, last.data);
    consumers.push(
      await ensureClusterConsumer(jsm, names, clusterId, {
        connectionBudget: job.clusterConnectionBudget || undefined,
        tenantConcurrency: job.tenantConcurrency || 1,
        ackWaitMs,
      }),
    );
    known.add(clusterId);
  }
  return consumers;
}
