import type { Plan, SchemaSource } from '@fleetshift/contracts';
import { buildPlan, loadDesiredSchema, SchemaInputError, UnsupportedChangeError, type Catalog } from '@fleetshift/schema';
import { redactUrl } from '@fleetshift/telemetry';
import { connectionFailureReason, isConnectionFailure } from '@fleetshift/tenant-connection';
import { badInput } from '../cli-error.js';
import { introspectLiveDatabase } from './live-database.js';
import type { FromState } from './plan-input.js';

export interface OfflinePlanInput {
  from: FromState;
  to: SchemaSource;
  /** Schema-per-tenant: plan one schema; unqualified DDL lands in it and the plan is schema-relative. */
  schema?: string;
  /** Server for scratch databases that normalize schema files. */
  scratchServerUrl: string;
}

/** A plan with the two states it goes between (for --verify). */
export interface PlannedStates {
  plan: Plan;
  from: Catalog;
  to: Catalog;
}

/**
 * Plans from a live database or a schema file to a schema file, with libs/schema only (no service).
 * Bad input (syntax errors with file:line:column, unreachable databases) is thrown as CliError BAD_INPUT.
 */
export async function planOffline(input: OfflinePlanInput): Promise<PlannedStates> {
  const [to, from] = await both(
    loadSchemaFile(input.to, input),
    input.from.kind === 'database' ? introspectLiveDatabase(input.from.url, input.schema) : loadSchemaFile(input.from.source, input),
  );
  try {
    return { plan: buildPlan(from, to), from, to };
  } catch (error) {
    if (error instanceof UnsupportedChangeError) throw badInput(`cannot plan --from ${describeFrom(input.from)} --to ${input.to.filename}: ${error.message}`);
    throw error;
  }
}

/**
 * Loads both sides concurrently; when both fail, reports the first one (--to), so the message does not
 * depend on timing.
 */
async function both<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

function describeFrom(from: FromState): string {
  return from.kind === 'database' ? redactUrl(from.url) : from.source.filename;
}

async function loadSchemaFile(source: SchemaSource, input: OfflinePlanInput): Promise<Catalog> {
  try {
    return await loadDesiredSchema(source, { scratchServerUrl: input.scratchServerUrl, schema: input.schema, scratchTag: 'cli' });
  } catch (error) {
    if (error instanceof SchemaInputError) throw badInput(error.message);
    if (isConnectionFailure(error)) {
      throw badInput(
        `cannot load ${source.filename}: the scratch server ${redactUrl(input.scratchServerUrl)} is unreachable: ${connectionFailureReason(error)} (set FLEETSHIFT_SCRATCH_PG_URL or PG_URL)`,
      );
    }
    throw error;
  }
}

