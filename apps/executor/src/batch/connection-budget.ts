import type { BatchJob } from '@fleetshift/contracts';

/**
 * The connection budget of a cluster, split between batches (design option (a)):
 *
 * - the cluster's durable consumer has max_ack_pending = P, so at most P of its batches are in flight at
 *   once across every executor (JetStream enforces this on the server, whatever the number of executors);
 * - a batch runs with at most C = min(tenant_concurrency, floor(budget / P)) connections, each used
 *   for one tenant at a time and reused for the next tenant of the same database;
 * - so every executor together holds at most P × C ≤ budget tenant connections for the cluster.
 *
 * Statement cancels use the protocol's CancelRequest, which opens no session. A batch that would get 0
 * (budget < P) still runs with 1 connection and logs the misconfiguration.
 */
export function connectionsPerBatch(job: Pick<BatchJob, 'clusterConnectionBudget' | 'tenantConcurrency'>, maxAckPending: number): number {
  const wanted = Math.max(1, job.tenantConcurrency || 1);
  if (!(job.clusterConnectionBudget > 0)) return wanted;
  return Math.max(1, Math.min(wanted, Math.floor(job.clusterConnectionBudget / Math.max(1, maxAckPending))));
}
