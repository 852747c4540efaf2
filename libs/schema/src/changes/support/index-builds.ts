import type { Index, Table } from '../../catalog/model.js';
import type { ChangeContext, StepDraft } from '../change.js';
import { concurrentBuildStep } from './concurrent-index-build.js';
import { partitionedIndexSteps } from './partitioned-index-builds.js';

export { concurrentBuildCleanupSql, dropIndexConcurrently } from './concurrent-index-build.js';

/**
 * Build `index` on the existing `table` without blocking writes: CREATE INDEX CONCURRENTLY, or on a
 * partitioned parent the ON ONLY / per-partition CONCURRENTLY / ATTACH recipe (./partitioned-index-builds.ts).
 */
export function buildIndexSteps(ctx: ChangeContext, table: Table, index: Index): StepDraft[] {
  if (table.partitionKey) return partitionedIndexSteps(ctx, table, index);
  return [concurrentBuildStep(ctx, table, index)];
}
