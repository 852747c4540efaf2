import type { SchemaSource } from '@fleetshift/contracts';
import { extensionStatements, loadParsedSchema, parseSchemaSource, refuseOversizeSchema, type SandboxOptions } from '@fleetshift/schema';
import { redactUrl, InvalidRequestError } from '@fleetshift/telemetry';
import { connectionFailureReason, isConnectionFailure } from '@fleetshift/tenant-connection';
import { createDesiredSchemaCache, type DesiredSchema, type DesiredSchemaCache } from './desired-schema-cache.js';
import type { PlannerMetrics } from './planner-metrics.js';

/**
 * Total schema text the cache keeps (8 Mi characters): a 2,000-table schema is about 0.5 MB of text and
 * several times that as a catalog, so the biggest schemas are bounded by this rather than by the count.
 */
export const desiredSchemaCacheMaxTextChars = 8 * 1024 * 1024;

/** A request's SchemaSource, checked present. */
export function requireSource(source: SchemaSource | undefined, field: string): SchemaSource {
  if (!source) throw new InvalidRequestError(`${field} is required (a SchemaSource with the schema text)`);
  return source;
}

/**
 * Loads a desired schema into a scratch database and reads back its normalized catalog (an empty text
 * of either format is an empty schema), keeping the parse's CREATE EXTENSION statements for verifyPlan
 * (one parse for both). Always in the sandbox (docs/security.md): the text is caller code. Errors in the
 * text, and what the sandbox refuses, surface as SchemaInputError (INVALID_ARGUMENT
 * "file:line:column: message"); an unreachable scratch server is the planner's own failure, named
 * without its password. Handlers go through the DesiredSchemaCache, which calls this on a miss.
 */
export async function loadDesired(
  source: SchemaSource,
  scratchServerUrl: string,
  schema: string | undefined,
  sandbox: SandboxOptions,
  signal?: AbortSignal,
): Promise<DesiredSchema> {
  refuseOversizeSchema(source, sandbox.maxInputBytes);
  const parsed = await parseSchemaSource(source);
  try {
    const catalog = await loadParsedSchema(parsed, { scratchServerUrl, schema, scratchTag: 'planner', sandbox, signal });
    return { catalog, extensions: extensionStatements(parsed) };
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw new Error(`the scratch server ${redactUrl(scratchServerUrl)} is unreachable: ${connectionFailureReason(error)}`, { cause: error });
  }
}

/** The planner's desired schema cache: loadDesired on a miss, misses and hits counted in its metrics. */
export function plannerDesiredSchemas(
  scratchServerUrl: string,
  sandbox: SandboxOptions,
  maxEntries: number,
  metrics: Pick<PlannerMetrics, 'desiredSchemaLoaded' | 'desiredSchemaCacheHit'>,
): DesiredSchemaCache {
  return createDesiredSchemaCache({
    maxEntries,
    maxTextChars: desiredSchemaCacheMaxTextChars,
    load: (source, schema, signal) => loadDesired(source, scratchServerUrl, schema, sandbox, signal),
    onLoad: () => metrics.desiredSchemaLoaded(),
    onHit: () => metrics.desiredSchemaCacheHit(),
  });
}
