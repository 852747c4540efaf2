import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from './request-errors.js';
import { assertCleanStrings, assertEnum, assertEnumList, assertId, assertLabels, assertUint, validatedService } from './request-fields.js';

enum Color {
  COLOR_UNSPECIFIED = 0,
  COLOR_RED = 1,
  COLOR_BLUE = 2,
  UNRECOGNIZED = -1,
}

describe('request field checks', () => {
  it('refuses unknown enum values naming the field and the known ones', () => {
    expect(() => assertEnumList('states', [1, 99], Color)).toThrow(new InvalidRequestError('states[1]: 99 is not one of COLOR_RED, COLOR_BLUE'));
    expect(() => assertEnum('color', 0, Color)).toThrow(/^color: 0 is not one of/);
    expect(() => assertEnum('color', 0, Color, { allowUnspecified: true })).not.toThrow();
    expect(() => assertEnum('color', -1, Color)).toThrow(/^color: -1/);
  });

  it('checks ids, numbers, labels and strings', () => {
    expect(() => assertId('tenant_id', '', /^[a-z]+$/, 'lowercase', { required: true })).toThrow('tenant_id is required');
    expect(() => assertId('tenant_id', 'A', /^[a-z]+$/, 'lowercase')).toThrow('tenant_id "A": lowercase');
    expect(() => assertUint('version', 2 ** 31, 2 ** 31 - 1)).toThrow('version: 2147483648 must be an integer from 0 to 2147483647');
    expect(() => assertLabels('labels', { 'bad key': 'v' })).toThrow(/^labels: label key "bad key"/);
    expect(() => assertCleanStrings({ selector: { tenantIds: ['a', 'b\u0000'] } }, '', () => 10)).toThrow('selector.tenant_ids[1]: must not contain a NUL character');
    expect(() => assertCleanStrings({ description: 'x'.repeat(11) }, '', () => 10)).toThrow('description: longer than 10 characters (11)');
  });

  it('answers INVALID_ARGUMENT without running the method when a check fails', async () => {
    let ran = 0;
    const service = validatedService(
      { getThing: (_call: { request: { id: string } }, callback: grpc.sendUnaryData<object>) => (ran += 1, callback(null, {})) },
      { getThing: (request: { id: string }) => assertId('id', request.id, /^[a-z]+$/, 'lowercase', { required: true }) },
    );
    const answer = (request: { id: string }) =>
      new Promise<Partial<grpc.StatusObject> | null>((resolve) => service.getThing({ request } as never, (error) => resolve(error as Partial<grpc.StatusObject> | null)));
    expect(await answer({ id: '' })).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'id is required' });
    expect(ran).toBe(0);
    expect(await answer({ id: 'ok' })).toBeNull();
    expect(ran).toBe(1);
  });
});
