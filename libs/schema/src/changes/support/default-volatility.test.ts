import { describe, expect, it } from 'vitest';
import { isVolatileDefault } from './default-volatility.js';
import { isSafeWidening } from './type-widening.js';

describe('isVolatileDefault', () => {
  it.each([
    ["'new'::text", false],
    ['0', false],
    ["'{}'::jsonb", false],
    ['CURRENT_TIMESTAMP', false],
    ['now()', false],
    ["(now() + '1 day'::interval)", false],
    ["timezone('utc'::text, now())", false],
    ["'2024-01-01'::date", false],
    ["'x'::character varying(10)", false],
    ["'random()'::text", false],
    ['gen_random_uuid()', true],
    ["nextval('public.t_id_seq'::regclass)", true],
    ['(random() * (10)::double precision)', true],
    ['clock_timestamp()', true],
  ])('%s → volatile: %s', (expression, volatile) => {
    expect(isVolatileDefault(expression)).toBe(volatile);
  });
});

describe('isSafeWidening', () => {
  it.each([
    ['character varying(50)', 'character varying(200)', true],
    ['character varying(50)', 'character varying', true],
    ['character varying(50)', 'text', true],
    ['text', 'character varying', true],
    ['character varying(200)', 'character varying(50)', false],
    ['text', 'character varying(10)', false],
    ['numeric(10,2)', 'numeric(14,2)', true],
    ['numeric(10,2)', 'numeric', true],
    ['numeric(10,2)', 'numeric(14,3)', false],
    ['numeric', 'numeric(20,2)', false],
    ['character varying(5)[]', 'character varying(9)[]', true],
    ['integer', 'bigint', false],
    ['timestamp without time zone', 'timestamp with time zone', false],
  ])('%s → %s: %s', (from, to, safe) => {
    expect(isSafeWidening(from, to)).toBe(safe);
  });
});
