import { PlanStep } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { planUnits } from './plan-units.js';

const step = (sql: string, transactional: boolean, group: number) => PlanStep.fromPartial({ sql, transactional, group });

describe('plan units', () => {
  it('groups consecutive transactional steps of one group; a non-transactional step stands alone', () => {
    const units = planUnits([
      step('a', true, 1),
      step('b', true, 1),
      step('c', false, 2),
      step('d', false, 3),
      step('e', true, 4),
      step('f', true, 5),
      step('g', true, 5),
    ]);
    expect(units.map((u) => [u.transactional, u.steps.map((s) => s.sql).join('')])).toEqual([
      [true, 'ab'],
      [false, 'c'],
      [false, 'd'],
      [true, 'e'],
      [true, 'fg'],
    ]);
  });

  it('an empty plan has no unit', () => {
    expect(planUnits([])).toEqual([]);
  });
});
