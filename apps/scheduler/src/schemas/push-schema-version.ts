import { SchemaFormat, type PushSchemaVersionRequest, type PushSchemaVersionResponse } from '@fleetshift/contracts';
import { appendSchemaVersion, withTransaction } from '@fleetshift/control-store';
import { InvalidRequestError } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';

const blueprintPattern = /^[a-z][a-z0-9_]{0,62}$/;

export function assertBlueprintName(blueprint: string): void {
  if (!blueprintPattern.test(blueprint)) {
    throw new InvalidRequestError(
      `blueprint ${JSON.stringify(blueprint)}: use lowercase letters, digits and underscores, starting with a letter (at most 63)`,
    );
  }
}

/**
 * Validates the schema through the planner, then stores it as the blueprint's next version. A bad
 * schema answers with the planner's message and stores nothing; text equal to the latest version's
 * stores nothing either (created=false).
 */
export async function pushSchemaVersion(ctx: SchedulerContext, request: PushSchemaVersionRequest): Promise<PushSchemaVersionResponse> {
  assertBlueprintName(request.blueprint);
  const schema = request.schema;
  if (!schema || !schema.text.trim()) throw new InvalidRequestError(`blueprint ${request.blueprint}: schema text is empty`);
  const format = schema.format || SchemaFormat.SCHEMA_FORMAT_SQL;
  if (format !== SchemaFormat.SCHEMA_FORMAT_SQL && format !== SchemaFormat.SCHEMA_FORMAT_OMNIQL) {
    throw new InvalidRequestError(`blueprint ${request.blueprint}: unknown schema format ${format}`);
  }
  const source = { format, text: schema.text, filename: schema.filename || `${request.blueprint}.sql` };
  const validated = await ctx.planner.validateSchema({ schema: source, schemaName: '' });
  const result = await withTransaction(ctx.pool, (client) =>
    appendSchemaVersion(client, {
      blueprint: request.blueprint,
      schema: source,
      fingerprint: validated.fingerprint,
      allowedHazards: request.allowedHazards,
      description: request.description,
    }),
  );
  ctx.logger.info(
    { blueprint: request.blueprint, version: result.version.version, created: result.created, tables: validated.tables },
    result.created ? 'schema version stored' : 'schema equals the latest version',
  );
  return result;
}
