import type { SchemaSource } from '@fleetshift/contracts';
import { loadDesiredSchema, type Catalog } from '@fleetshift/schema';
import { redactUrl, InvalidRequestError } from '@fleetshift/telemetry';
import { connectionFailureReason, isConnectionFailure } from '@fleetshift/tenant-connection';

/** A request's SchemaSource, checked present. */
export function requireSource(source: SchemaSource | undefined, field: string): SchemaSource {
  if (!source) throw new InvalidRequestError(`${field} is required (a SchemaSource with the schema text)`);
  return source;
}

/**
 * Loads a desired schema into a scratch database and reads back its normalized catalog (an empty text
 * of either format is an empty schema). Errors in the
 * text surface as SchemaInputError (INVALID_ARGUMENT "file:line:column: message"); an unreachable
 * scratch server is the planner's own failure, named without its password.
 */
export async function loadDesired(source: SchemaSource, scratchServerUrl: string, schema: string | undefined): Promise<Catalog> {
  try {
    return await loadDesiredSchema(source, { scratchServerUrl, schema, scratchTag: 'planner' });
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw new Error(`the scratch server ${redactUrl(scratchServerUrl)} is unreachable: ${connectionFailureReason(error)}`, { cause: error });
  }
}

