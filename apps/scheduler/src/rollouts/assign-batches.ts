/**
 * Splits tenants into batches of at most `batchSize`, each on one cluster (a batch goes to that
 * cluster's subject), numbered from 1 taking clusters in turn so that every cluster progresses at once.
 */
export function assignBatches<T extends { clusterId: string; tenantId: string }>(
  tenants: T[],
  batchSize: number,
): Array<{ batchNumber: number; clusterId: string; members: T[] }> {
  const byCluster = new Map<string, T[]>();
  for (const tenant of [...tenants].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0))) {
    const list = byCluster.get(tenant.clusterId) ?? [];
    list.push(tenant);
    byCluster.set(tenant.clusterId, list);
  }
  const chunks = [...byCluster.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([clusterId, members]) => {
      const list: Array<{ clusterId: string; members: T[] }> = [];
      for (let i = 0; i < members.length; i += batchSize) list.push({ clusterId, members: members.slice(i, i + batchSize) });
      return list;
    });
  const batches: Array<{ batchNumber: number; clusterId: string; members: T[] }> = [];
  for (let round = 0; chunks.some((list) => round < list.length); round++) {
    for (const list of chunks) if (round < list.length) batches.push({ batchNumber: batches.length + 1, ...list[round] });
  }
  return batches;
}
