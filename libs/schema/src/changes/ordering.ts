import toposort from 'toposort';
import type { ChangeKind, OrderConstraints } from './change.js';

/** Id of what gets ordered: a kind ("add-column") or one of its stages ("add-column:backfill"). */
export function stageId(kind: string, stage?: string): string {
  return stage === undefined ? kind : `${kind}:${stage}`;
}

/**
 * The order a plan runs its steps in, as stage ids: every kind of the registry and every stage they
 * declare, sorted topologically by their `after`/`before` constraints (plus: a stage runs after its own
 * kind). Steps of one stage then run by object key.
 *
 * The sort is toposort's depth-first one over the ids in registry order (each kind followed by its
 * stages). It is deterministic, and where the registry order already satisfies the constraints it is the
 * registry order; the registry decides what the constraints leave open. A kind or stage the constraints
 * push later than it is listed lands right after the last-listed kind it must follow.
 *
 * Throws, naming the kind, when a constraint names no registered kind or stage, when two kinds share a
 * name, and when the constraints form a cycle (naming it: "a → b → a").
 */
export function runOrder(kinds: readonly ChangeKind[]): string[] {
  const cached = cache.get(kinds);
  if (cached) return cached;
  const nodes: string[] = [];
  for (const kind of kinds) {
    for (const id of [kind.name, ...Object.keys(kind.stages ?? {}).map((s) => stageId(kind.name, s))]) {
      if (nodes.includes(id)) throw new Error(`change kind ${id} is registered twice`);
      nodes.push(id);
    }
  }
  const known = new Set(nodes);
  const edges: Array<[string, string]> = [];
  const constrain = (owner: string, id: string, order: OrderConstraints) => {
    for (const [refs, edge] of [
      [order.after ?? [], (ref: string): [string, string] => [ref, id]],
      [order.before ?? [], (ref: string): [string, string] => [id, ref]],
    ] as const) {
      for (const ref of refs) {
        if (!known.has(ref)) throw new Error(`change kind ${owner}: "${ref}" in its order constraints is not a registered change kind or stage`);
        if (ref === id) throw new Error(`change kind ${owner}: ${id} cannot run after or before itself`);
        edges.push(edge(ref));
      }
    }
  };
  for (const kind of kinds) {
    constrain(kind.name, kind.name, kind.order);
    for (const [stage, order] of Object.entries(kind.stages ?? {})) {
      edges.push([kind.name, stageId(kind.name, stage)]);
      constrain(kind.name, stageId(kind.name, stage), order);
    }
  }
  const cycle = findCycle(nodes, edges);
  if (cycle) throw new Error(`change kinds are ordered in a cycle: ${cycle.join(' → ')} (each must run before the next)`);
  const order = toposort.array(nodes, edges);
  cache.set(kinds, order);
  return order;
}
const cache = new WeakMap<readonly ChangeKind[], string[]>();

/**
 * Position of a step in the run order, from its kind and `StepDraft.stage`. Throws when the kind does not
 * declare that stage (a typo would otherwise put the step anywhere).
 */
export function stageRank(kinds: readonly ChangeKind[], kind: string, stage?: string): number {
  let ranks = rankCache.get(kinds);
  if (!ranks) {
    ranks = new Map(runOrder(kinds).map((id, rank) => [id, rank]));
    rankCache.set(kinds, ranks);
  }
  const rank = ranks.get(stageId(kind, stage));
  if (rank === undefined) {
    throw new Error(stage === undefined ? `change kind ${kind} is not registered` : `change kind ${kind}: a step names stage "${stage}", which the kind does not declare`);
  }
  return rank;
}
const rankCache = new WeakMap<readonly ChangeKind[], Map<string, number>>();

/**
 * A cycle of the graph as ids, first repeated last ("a → b → a"), or undefined when there is none. toposort
 * detects cycles too, but its error names a single node; this names the constraints to fix.
 */
function findCycle(nodes: readonly string[], edges: ReadonlyArray<[string, string]>): string[] | undefined {
  const next = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const [from, to] of edges) next.get(from)!.push(to);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const to of next.get(node)!) {
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
