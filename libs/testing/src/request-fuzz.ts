import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';

/**
 * Request fuzzing for the gRPC services: mutated requests built from a valid seed (each field kept, or
 * replaced by a hostile value of its kind), sent over a real connection by the method's own definition,
 * and their outcome judged: every answer is OK or a clear refusal — never INTERNAL, UNKNOWN or a hang,
 * and always with a message.
 */

/** Strings that have broken services before: reserved names, NUL, SQL, paths, huge, unicode. */
export function hostileStrings(extra: string[] = []): string[] {
  return [
    '', ' ', '\t', '\n', '*', '>', '.', '..', '-', '_', 'a', 'A', '0',
    'template0', 'template1', 'postgres', 'public', 'pg_catalog', 'fleetshift', 'information_schema',
    '\u0000', 'a\u0000b', "'; DROP TABLE tenants; --", '"quoted"', 'back\\slash', '$1', '%s%n', '{}', '[]',
    '../../etc/passwd', '/etc/shadow', 'PATH', 'HOME', 'FLEETSHIFT_PW_X',
    'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(300), 'x'.repeat(5000),
    'ünïcödé', '😀', '\uD800', 'Ａ', 'a b', 'UPPER', '-leading', '_leading', '9starts',
    ...extra,
  ];
}

// -1 is also ts-proto's UNRECOGNIZED enum value; a uint32 field carries it as 2^32 - 1.
const uint32Edges = [-1, 0, 1, 2, 3, 7, 99, 1000, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];

function hostileString(seed: string, extra: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...hostileStrings(extra)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,70}$/) },
    // Near the seed: one character changed, appended or cut.
    {
      weight: 2,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom('', '_', '-', 'A', '\u0000', ' ', 'é', '/', '.')).map(([at, c]) => {
        const i = seed.length ? at % (seed.length + 1) : 0;
        return seed.slice(0, i) + c + seed.slice(i + 1);
      }),
    },
  );
}

function hostileNumber(seed: number): fc.Arbitrary<number> {
  if (!Number.isInteger(seed)) {
    return fc.oneof(fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, 0.5, 1, 1.0000001, 2, 1e300), fc.double());
  }
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...uint32Edges) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 32 - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }) },
  );
}

export interface MutationOptions {
  /** Field names (camelCase) that are maps of string → string (labels). */
  mapFields?: string[];
  /** Fields never changed (e.g. `provision`, which would create databases). */
  fixed?: string[];
  /** More hostile strings for this service (the control database's name …). */
  strings?: string[];
  /** How often a field keeps its seed value (weight against 1 for a mutation); default 3. */
  keepWeight?: number;
}

/**
 * Requests like `seed` with some fields mutated: strings, numbers (uint32 edges, enum values out of
 * range, NaN for doubles), booleans, repeated fields (empty, hostile items, many), maps (hostile keys and
 * values) and nested messages (mutated the same way, or absent).
 */
export function mutatedRequest<T extends object>(seed: T, options: MutationOptions = {}): fc.Arbitrary<T> {
  // The request itself is always there; its fields are mutated.
  const fields = Object.fromEntries(Object.entries(seed).map(([k, v]) => [k, mutatedValue(v, k, options)]));
  return fc.record(fields) as unknown as fc.Arbitrary<T>;
}

function mutatedValue(seed: unknown, key: string, options: MutationOptions): fc.Arbitrary<unknown> {
  const keep = options.keepWeight ?? 3;
  const mutation = mutationOf(seed, key, options);
  if (!mutation) return fc.constant(seed);
  return fc.oneof({ weight: keep, arbitrary: fc.constant(seed) }, { weight: 1, arbitrary: mutation });
}

function mutationOf(seed: unknown, key: string, options: MutationOptions): fc.Arbitrary<unknown> | undefined {
  if (options.fixed?.includes(key)) return undefined;
  const extra = options.strings ?? [];
  if (typeof seed === 'string') return hostileString(seed, extra);
  if (typeof seed === 'number') return hostileNumber(seed);
  if (typeof seed === 'boolean') return fc.boolean();
  if (seed === undefined || seed === null || seed instanceof Date) return undefined;
  if (Array.isArray(seed)) {
    // An empty seed list: items are taken to be strings.
    const item: unknown = seed.length ? seed[0] : '';
    const element: fc.Arbitrary<unknown> =
      typeof item === 'number' ? hostileNumber(item) : typeof item === 'string' ? hostileString(item, extra) : fc.constant(item);
    return fc.oneof(
      fc.constant([]),
      fc.array(element, { maxLength: 4 }),
      fc.array(fc.constant(item), { minLength: 50, maxLength: 200 }),
    );
  }
  if (typeof seed === 'object') {
    if (options.mapFields?.includes(key)) {
      return fc.dictionary(hostileString('k', extra), hostileString('v', extra), { maxKeys: 4 });
    }
    const fields = Object.fromEntries(Object.entries(seed).map(([k, v]) => [k, mutatedValue(v, k, options)]));
    return fc.oneof({ weight: 4, arbitrary: fc.record(fields) }, { weight: 1, arbitrary: fc.constant(undefined) });
  }
  return undefined;
}

/** What one call answered. */
export interface CallOutcome {
  code: grpc.status;
  details: string;
  /** Set when the request could not be serialized, so it was never sent. */
  unsendable?: string;
}

/**
 * Calls one method by its grpc-js definition (unary, or server streaming: the first message or the
 * status ends the call) with a deadline; a call past the deadline answers DEADLINE_EXCEEDED.
 */
export function callMethod(
  client: grpc.Client,
  definition: grpc.MethodDefinition<unknown, unknown>,
  request: unknown,
  metadata = new grpc.Metadata(),
  deadlineMs = 15_000,
): Promise<CallOutcome> {
  const deadline = Date.now() + deadlineMs;
  try {
    definition.requestSerialize(request);
  } catch (error) {
    // Not a message the wire can carry (an enum's int32 out of range): no server ever sees it.
    return Promise.resolve({ code: grpc.status.OK, details: '', unsendable: (error as Error).message });
  }
  return new Promise((resolve) => {
    if (!definition.responseStream) {
      client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        metadata,
        { deadline },
        (error) => resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' }),
      );
      return;
    }
    const stream = client.makeServerStreamRequest(definition.path, definition.requestSerialize, definition.responseDeserialize, request, metadata, { deadline });
    let settled = false;
    const settle = (outcome: CallOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    stream.on('data', () => {
      settle({ code: grpc.status.OK, details: '' });
      stream.cancel();
    });
    stream.on('error', (error: grpc.ServiceError) => settle({ code: error.code, details: error.details }));
    stream.on('end', () => settle({ code: grpc.status.OK, details: '' }));
  });
}

/** Why an outcome breaks the rules (a crash, INTERNAL, UNKNOWN, a hang, a refusal without a message), or undefined. */
export function badOutcome(outcome: CallOutcome): string | undefined {
  if (outcome.code === grpc.status.OK) return undefined;
  const name = grpc.status[outcome.code];
  if (outcome.code === grpc.status.INTERNAL || outcome.code === grpc.status.UNKNOWN) return `${name}: ${outcome.details}`;
  if (outcome.code === grpc.status.DEADLINE_EXCEEDED) return `no answer in time (hang?): ${outcome.details}`;
  if (outcome.code === grpc.status.UNAVAILABLE && /No connection established|Connection dropped|ECONNREFUSED|ECONNRESET/.test(outcome.details)) {
    return `the service went away: ${outcome.details}`;
  }
  if (!outcome.details.trim()) return `${name} without a message`;
  return undefined;
}

/** A request as a short string for a failure message. */
export function describeRequest(request: unknown): string {
  const text = JSON.stringify(request, (_k, v: unknown) => (typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}...(${v.length})` : v));
  return text && text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/**
 * `count` requests for one method from `arbitrary`: those `passesChecks` refuses (cheap: answered before
 * any work) as they come, and at most `deepCap` that pass the checks (they do real work). Samples more
 * until it has them all (at most 50 rounds).
 */
export function boundedSample<T>(arbitrary: fc.Arbitrary<T>, count: number, passesChecks: (request: T) => boolean, deepCap: number, seed: number): { requests: T[]; deep: number } {
  const requests: T[] = [];
  let deep = 0;
  for (let round = 0; round < 50 && requests.length < count; round += 1) {
    for (const request of fc.sample(arbitrary, { numRuns: count, seed: seed + round })) {
      if (requests.length >= count) break;
      if (passesChecks(request)) {
        if (deep >= deepCap) continue;
        deep += 1;
      }
      requests.push(request);
    }
  }
  return { requests, deep };
}
