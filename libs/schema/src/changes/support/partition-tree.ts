import type { Constraint, Index, Table } from '../../catalog/model.js';
import { compareText } from '../../catalog/order.js';
import type { ChangeContext } from '../change.js';
import { displayName, objectKey } from './catalog-index.js';
import { indexShape } from './index-definition.js';

/** The direct partitions of `parent` in the target catalog, in key order (sub-partitioned ones included). */
export function partitionsOf(ctx: ChangeContext, parent: Table): Table[] {
  const key = objectKey(parent);
  return [...ctx.toTables.values()].filter((t) => t.partitionOf && ctx.tableByRelationName(t.partitionOf.parent) === key);
}

/**
 * The index of partition `child` (target catalog) that PostgreSQL attaches to `index` of its parent:
 * an inherited index of the same shape. Two parent indexes of one shape are paired with the partition's
 * in name order, so the answer is deterministic.
 */
export function partitionIndexFor(parent: Table, index: Index, child: Table): Index {
  const shape = indexShape(index.definition);
  const byName = (a: Index, b: Index) => compareText(a.name, b.name);
  const siblings = parent.indexes.filter((i) => !!i.constraint === !!index.constraint && indexShape(i.definition) === shape).sort(byName);
  const candidates = child.indexes.filter((i) => i.inherited && !!i.constraint === !!index.constraint && indexShape(i.definition) === shape).sort(byName);
  const found = candidates[siblings.findIndex((i) => i.name === index.name)];
  if (!found) throw new Error(`partition ${displayName(child)} has no index attached to ${index.name} of ${displayName(parent)} in the target catalog`);
  return found;
}

/** The constraint of partition `child` (target catalog) that PostgreSQL cloned from `constraint` of its parent. */
export function partitionConstraintFor(parent: Table, constraint: Constraint, child: Table): Constraint {
  const same = (c: Constraint) => c.kind === constraint.kind && c.definition === constraint.definition;
  const byName = (a: Constraint, b: Constraint) => compareText(a.name, b.name);
  const siblings = parent.constraints.filter(same).sort(byName);
  const candidates = child.constraints.filter((c) => c.inherited && same(c)).sort(byName);
  const found = candidates[siblings.findIndex((c) => c.name === constraint.name)];
  if (!found) throw new Error(`partition ${displayName(child)} has no constraint cloned from ${constraint.name} of ${displayName(parent)} in the target catalog`);
  return found;
}
