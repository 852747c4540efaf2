import { describe, expect, it } from 'vitest';
import type { ChangeKind, OrderConstraints } from './change.js';
import { runOrder, stageRank } from './ordering.js';
import { changeKinds } from './registry.js';

/** The order plans ran their kinds in when it was written down as numbered phases (and stage overrides). */
const phaseOrder = [
  'add-enum-value', 'drop-view', 'drop-trigger', 'drop-policy', 'drop-constraint', 'create-schema', 'create-extension', 'add-enum',
  'recreate-enum', 'add-sequence', 'drop-function', 'create-function', 'add-table', 'add-column', 'alter-column-type',
  'drop-generated-expression', 'alter-identity', 'set-default', 'drop-not-null', 'drop-column', 'drop-table', 'create-trigger',
  'create-policy', 'row-security', 'create-function:late', 'drop-function:after-dependents', 'drop-sequence', 'drop-enum',
  'drop-extension', 'drop-schema', 'create-view', 'add-column:backfill', 'add-column:not-null', 'set-not-null', 'add-index',
  'rename-index', 'drop-index', 'add-unique-constraint', 'add-exclusion-constraint', 'add-check-constraint', 'add-foreign-key',
  'validate-constraint', 'sequence-ownership', 'comment',
];

const kind = (name: string, order: OrderConstraints = {}, stages?: Record<string, OrderConstraints>): ChangeKind => ({
  name,
  order,
  ...(stages ? { stages } : {}),
  plan: () => [],
});

describe('run order of the registry', () => {
  const order = runOrder(changeKinds);

  it('keeps the order plans have always had: every emitted plan stays the same', () => {
    expect(order.filter((id) => phaseOrder.includes(id))).toEqual(phaseOrder);
  });

  it('satisfies every declared constraint, and runs each stage after its kind', () => {
    const at = (id: string) => order.indexOf(id);
    const broken: string[] = [];
    for (const k of changeKinds) {
      const nodes: Array<[string, OrderConstraints]> = [[k.name, k.order], ...Object.entries(k.stages ?? {}).map(([s, o]): [string, OrderConstraints] => [`${k.name}:${s}`, o])];
      for (const [id, o] of nodes) {
        for (const a of o.after ?? []) if (at(a) > at(id)) broken.push(`${id} after ${a}`);
        for (const b of o.before ?? []) if (at(b) < at(id)) broken.push(`${id} before ${b}`);
        if (id !== k.name && at(id) < at(k.name)) broken.push(`${id} after ${k.name}`);
      }
    }
    expect(broken).toEqual([]);
    expect(order).toHaveLength(new Set(order).size);
  });

  it('keeps non-transactional and isolated steps out of the transaction from drop-view to create-view', () => {
    const between = order.slice(order.indexOf('drop-view'), order.indexOf('create-view'));
    for (const outside of ['add-enum-value', 'add-column:backfill', 'add-column:not-null', 'set-not-null', 'add-index', 'drop-index', 'validate-constraint', 'add-check-constraint', 'add-foreign-key', 'add-unique-constraint', 'add-exclusion-constraint']) {
      expect(between, outside).not.toContain(outside);
    }
  });

  it('ranks a step by its kind and stage, and refuses a stage its kind does not declare', () => {
    expect(stageRank(changeKinds, 'add-column', 'backfill')).toBe(order.indexOf('add-column:backfill'));
    expect(stageRank(changeKinds, 'add-column')).toBe(order.indexOf('add-column'));
    expect(() => stageRank(changeKinds, 'add-column', 'backfil')).toThrow('change kind add-column: a step names stage "backfil", which the kind does not declare');
  });
});

describe('runOrder', () => {
  it('places a kind by its constraints, wherever it is listed, and leaves the others in registry order', () => {
    const kinds = [kind('a'), kind('b', { after: ['a'] }), kind('c', { after: ['b'] }), kind('new', { after: ['a'], before: ['b'] })];
    expect(runOrder(kinds)).toEqual(['a', 'new', 'b', 'c']);
  });

  it('runs a stage after its kind, where its own constraints put it', () => {
    const kinds = [kind('a', {}, { tail: { after: ['c'] } }), kind('b'), kind('c'), kind('d')];
    expect(runOrder(kinds)).toEqual(['a', 'b', 'c', 'a:tail', 'd']);
  });

  it('is the registry order when no constraint relates the kinds', () => {
    expect(runOrder([kind('z'), kind('y'), kind('x')])).toEqual(['z', 'y', 'x']);
  });

  it('names the kind and the unknown name in a constraint', () => {
    expect(() => runOrder([kind('a'), kind('b', { after: ['add-tabel'] })])).toThrow(
      'change kind b: "add-tabel" in its order constraints is not a registered change kind or stage',
    );
    expect(() => runOrder([kind('a', {}, { tail: {} }), kind('b', { before: ['a:head'] })])).toThrow('"a:head" in its order constraints');
  });

  it('refuses a cycle, naming it', () => {
    const kinds = [kind('a', { after: ['c'] }), kind('b', { after: ['a'] }), kind('c', { after: ['b'] })];
    expect(() => runOrder(kinds)).toThrow('change kinds are ordered in a cycle: a → b → c → a (each must run before the next)');
    expect(() => runOrder([kind('a', {}, { tail: { before: ['a'] } })])).toThrow('cycle: a → a:tail → a');
  });

  it('refuses a kind registered twice, and a kind ordered against itself', () => {
    expect(() => runOrder([kind('a'), kind('a')])).toThrow('change kind a is registered twice');
    expect(() => runOrder([kind('a', { after: ['a'] })])).toThrow('change kind a: a cannot run after or before itself');
  });
});
