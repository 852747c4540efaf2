import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SchemaSource } from '@fleetshift/contracts';
import { schemaSourceFormat, type Catalog } from '@fleetshift/schema';

/** A desired schema as the planner uses it: its normalized catalog and the parse's CREATE EXTENSION statements. */
export interface DesiredSchema {
  catalog: Catalog;
  /** For verifyPlan's prelude in schema scope (extensionStatements of the parse). */
  extensions: readonly string[];
}

/** Loads one desired schema into a scratch database (parse, load, introspect); aborting `signal` stops it. */
export type DesiredSchemaLoader = (source: SchemaSource, schema: string | undefined, signal: AbortSignal) => Promise<DesiredSchema>;

export interface DesiredSchemaCacheOptions {
  /** Desired schemas kept, least recently used evicted first. */
  maxEntries: number;
  /** Total schema text (characters) of the entries kept: a few huge schemas cannot hold all the memory. */
  maxTextChars: number;
  load: DesiredSchemaLoader;
  /** A load went to a scratch database (a miss). */
  onLoad?: () => void;
  /** A load was answered from the cache, or joined one already under way. */
  onHit?: () => void;
}

export interface DesiredSchemaCache {
  /**
   * The desired schema of `source` in scope `schema`: from the cache, or loaded (once, however many callers
   * wait). Aborting `signal` rejects this caller's promise at once with the signal's reason; the load
   * itself is stopped when every caller waiting for it has aborted (a caller without a signal never does).
   */
  load(source: SchemaSource, schema: string | undefined, signal?: AbortSignal): Promise<DesiredSchema>;
  readonly size: number;
}

/**
 * What makes two loads the same: the format the text is parsed in, the text, and the schema scope
 * (unqualified objects land in that schema, and PostgreSQL may print its name in definitions). The
 * file name only names errors, and errors are not cached, so it is not part of the key.
 */
export function desiredSchemaKey(source: SchemaSource, schema: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([schemaSourceFormat(source), schema ?? '', source.text]))
    .digest('hex');
}

/**
 * A bounded LRU of loaded desired schemas, so the schema of a rollout is loaded into a scratch database
 * once for its ValidateSchema, Diff and Plan calls instead of once per call. It keeps the promise: calls
 * for the same key while the load runs share it. A failed load is dropped at once (the next call tries
 * again, and reports its own file name). Cached catalogs are frozen, since every caller shares them.
 */
export function createDesiredSchemaCache(options: DesiredSchemaCacheOptions): DesiredSchemaCache {
  const entries = new LRUCache<string, Entry>({ max: options.maxEntries, maxSize: options.maxTextChars });
  return {
    load(source, schema, signal) {
      const key = desiredSchemaKey(source, schema);
      const cached = entries.get(key);
      if (cached) {
        options.onHit?.();
        return join(cached, signal);
      }
      options.onLoad?.();
      const controller = new AbortController();
      const entry: Entry = { loading: options.load(source, schema, controller.signal).then(deepFreeze), controller, waiting: 0, settled: false };
      const settle = () => {
        entry.settled = true;
      };
      entry.loading.then(settle, settle);
      // A text larger than maxTextChars is loaded but not kept (lru-cache refuses it).
      entries.set(key, entry, { size: Math.max(1, source.text.length) });
      entry.loading.catch(() => {
        if (entries.peek(key) === entry) entries.delete(key);
      });
      return join(entry, signal);
    },
    get size() {
      return entries.size;
    },
  };
}

/** A load kept in the cache, with what it takes to stop it once nobody waits for it any more. */
interface Entry {
  loading: Promise<DesiredSchema>;
  controller: AbortController;
  /** Callers waiting that have not aborted (a caller without a signal stays counted). */
  waiting: number;
  settled: boolean;
}

/** One caller's wait for an entry: its own abort rejects it; the last waiter's abort stops the load. */
function join(entry: Entry, signal: AbortSignal | undefined): Promise<DesiredSchema> {
  if (entry.settled) return entry.loading;
  if (signal?.aborted) return Promise.reject(signal.reason);
  entry.waiting++;
  if (!signal) return entry.loading;
  return new Promise<DesiredSchema>((resolve, reject) => {
    const onAbort = () => {
      entry.waiting--;
      if (entry.waiting === 0 && !entry.settled) entry.controller.abort(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    entry.loading.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
