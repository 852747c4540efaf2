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

/** Loads one desired schema into a scratch database (parse, load, introspect). */
export type DesiredSchemaLoader = (source: SchemaSource, schema: string | undefined) => Promise<DesiredSchema>;

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
  /** The desired schema of `source` in scope `schema`: from the cache, or loaded (once, however many callers wait). */
  load(source: SchemaSource, schema: string | undefined): Promise<DesiredSchema>;
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
  const entries = new LRUCache<string, Promise<DesiredSchema>>({ max: options.maxEntries, maxSize: options.maxTextChars });
  return {
    load(source, schema) {
      const key = desiredSchemaKey(source, schema);
      const cached = entries.get(key);
      if (cached) {
        options.onHit?.();
        return cached;
      }
      options.onLoad?.();
      const loading = options.load(source, schema).then(deepFreeze);
      // A text larger than maxTextChars is loaded but not kept (lru-cache refuses it).
      entries.set(key, loading, { size: Math.max(1, source.text.length) });
      loading.catch(() => {
        if (entries.peek(key) === loading) entries.delete(key);
      });
      return loading;
    },
    get size() {
      return entries.size;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
