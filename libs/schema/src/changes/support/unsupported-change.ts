import type { ChangeContext } from '../change.js';
import { columnMap, displayName } from './catalog-index.js';

/** A change the planner has no safe recipe for; the message names the object and what differs. */
export class UnsupportedChangeError extends Error {
  override name = 'UnsupportedChangeError';
}

/**
 * Differences no change module carries out — rather than a plan that silently fails to converge, the
 * planner refuses with the object named: repartitioning a table, re-parenting or re-bounding a partition,
 * giving a column a (new) generation expression.
 */
export function assertSupported(ctx: ChangeContext): void {
  for (const [from, to] of ctx.keptTables()) {
    const name = displayName(to);
    if (from.partitionKey !== to.partitionKey) {
      throw new UnsupportedChangeError(`table ${name}: partitioning changes (${from.partitionKey ?? 'none'} → ${to.partitionKey ?? 'none'}); recreate the table under a new name`);
    }
    if (JSON.stringify(from.partitionOf) !== JSON.stringify(to.partitionOf)) {
      throw new UnsupportedChangeError(`table ${name}: partition parent or bounds change; detach and attach the partition explicitly`);
    }
    const before = columnMap(from);
    for (const column of to.columns) {
      const old = before.get(column.name);
      if (old && column.generated !== undefined && old.generated !== column.generated) {
        throw new UnsupportedChangeError(
          `column ${name}.${column.name}: a new generation expression needs the column dropped and re-added (PostgreSQL 15 cannot change it in place)`,
        );
      }
    }
  }
}
