import * as grpc from '@grpc/grpc-js';
import { InvalidRequestError } from './request-errors.js';

/**
 * Checks of request fields, each throwing InvalidRequestError (INVALID_ARGUMENT) with a message that names
 * the field (its proto name) and the rule. Every service checks each request of each RPC with these
 * before any work, in one table per service (`validatedService`), so that bad input never reaches a
 * database as a query error (which would come back as INTERNAL) and nothing is stored for it.
 */

/** A proto enum as ts-proto generates it: name → number and number → name. */
type ProtoEnum = Record<string | number, string | number>;

/** Longest text of a field without its own bound (a reason, a description, a label value). */
export const maxTextLength = 1024;

/** The largest uint32 a control-plane integer column (PostgreSQL `integer`) holds. */
export const maxInt32 = 2_147_483_647;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Every string anywhere in the request is checked for a NUL character (PostgreSQL text cannot hold
 * one) and for its length (`maxLength`, larger for the few fields that carry a whole schema).
 */
export function assertCleanStrings(value: unknown, path: string, maxLength: (path: string) => number): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new InvalidRequestError(`${path}: must not contain a NUL character`);
    const max = maxLength(path);
    if (value.length > max) throw new InvalidRequestError(`${path}: longer than ${max} characters (${value.length})`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertCleanStrings(item, `${path}[${index}]`, maxLength));
    return;
  }
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) {
      const field = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      // A map's keys are strings too.
      assertCleanStrings(key, `${path ? `${path}.` : ''}${field} (key)`, () => maxTextLength);
      assertCleanStrings(item, path ? `${path}.${field}` : field, maxLength);
    }
  }
}

/** A value of `enumType` (its UNSPECIFIED 0 only when `allowUnspecified`). */
export function assertEnum(field: string, value: number, enumType: ProtoEnum, options: { allowUnspecified?: boolean } = {}): void {
  if (value === 0 && options.allowUnspecified) return;
  // ts-proto's UNRECOGNIZED (-1) is no value a caller may send.
  if (!Number.isInteger(value) || value <= 0 || typeof enumType[value] !== 'string' || enumType[value] === 'UNRECOGNIZED') {
    const names = Object.keys(enumType).filter((k) => Number.isNaN(Number(k)) && enumType[k] !== 0 && k !== 'UNRECOGNIZED');
    throw new InvalidRequestError(`${field}: ${show(value)} is not one of ${names.join(', ')}${options.allowUnspecified ? ' (or unset)' : ''}`);
  }
}

/** Each value of a repeated enum field is a known value (UNSPECIFIED refused). */
export function assertEnumList(field: string, values: readonly number[], enumType: ProtoEnum, maxItems = 64): void {
  if (values.length > maxItems) throw new InvalidRequestError(`${field}: at most ${maxItems} values (${values.length} given)`);
  values.forEach((value, index) => assertEnum(`${field}[${index}]`, value, enumType));
}

/** An id: matches `pattern` (`rule` says it in words); empty only when not `required`. */
export function assertId(field: string, value: string, pattern: RegExp, rule: string, options: { required?: boolean } = {}): void {
  if (value === '') {
    if (options.required) throw new InvalidRequestError(`${field} is required`);
    return;
  }
  if (!pattern.test(value)) throw new InvalidRequestError(`${field} ${show(value)}: ${rule}`);
}

/** A uint32 no larger than `max` (and at least `min` when set, 0 meaning "unset" being allowed unless `min` > 0). */
export function assertUint(field: string, value: number | undefined, max: number, min = 0): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequestError(`${field}: ${show(value)} must be an integer from ${min} to ${max}`);
  }
}

/** A list of at most `maxItems` strings, each non-empty and at most `maxLength` long. */
export function assertStringList(field: string, values: readonly string[], maxItems: number, maxLength = 200): void {
  if (values.length > maxItems) throw new InvalidRequestError(`${field}: at most ${maxItems} values (${values.length} given)`);
  values.forEach((value, index) => {
    if (!value.trim()) throw new InvalidRequestError(`${field}[${index}]: must not be empty`);
    if (value.length > maxLength) throw new InvalidRequestError(`${field}[${index}]: longer than ${maxLength} characters`);
  });
}

/** A label map: at most `maxItems` entries, keys like `[A-Za-z0-9_./-]` (1–63), values at most 253 characters. */
export function assertLabels(field: string, labels: Record<string, string> | undefined, maxItems = 64): void {
  const entries = Object.entries(labels ?? {});
  if (entries.length > maxItems) throw new InvalidRequestError(`${field}: at most ${maxItems} labels (${entries.length} given)`);
  for (const [key, value] of entries) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/.test(key)) {
      throw new InvalidRequestError(`${field}: label key ${show(key)} must be 1 to 63 letters, digits, '_', '.', '/' or '-', starting with a letter or digit`);
    }
    if (value.length > 253) throw new InvalidRequestError(`${field}[${key}]: label value longer than 253 characters`);
  }
}

/** Checks one request; throws InvalidRequestError. */
export type RequestValidator<Req> = (request: Req) => void;

/** The request type of a grpc-js service method. */
type RequestOf<M> = M extends (call: infer C, ...rest: never[]) => unknown ? (C extends { request: infer R } ? R : never) : never;

/** One validator for every method of a service: the compiler refuses a table that misses one. */
export type ServiceValidators<S> = { [K in keyof S]: RequestValidator<RequestOf<S[K]>> };

/**
 * The service with each method's request checked first: a failing check answers INVALID_ARGUMENT with
 * its message (unary: through the callback; server streaming: as the stream's status) and the method
 * itself never runs. Unexpected exceptions of a validator count as INVALID_ARGUMENT too: a request that
 * trips the checks is not one to serve.
 */
export function validatedService<S extends object>(implementation: S, validators: ServiceValidators<S>): S {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(implementation) as Array<[string, (...args: unknown[]) => unknown]>) {
    const validate = (validators as Record<string, RequestValidator<unknown>>)[name];
    wrapped[name] = (call: { request: unknown; emit?: (event: string, error: unknown) => void; destroy?: (error: unknown) => void }, callback?: grpc.sendUnaryData<unknown>) => {
      try {
        validate?.(call.request);
      } catch (error) {
        const details = error instanceof Error ? error.message : String(error);
        const status = { code: grpc.status.INVALID_ARGUMENT, details, metadata: new grpc.Metadata() };
        if (typeof callback === 'function') callback(status);
        else call.emit?.('error', status);
        return;
      }
      return method.call(implementation, call, callback);
    };
  }
  return wrapped as S;
}
