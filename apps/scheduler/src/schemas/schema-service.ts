import { validatedService } from '@fleetshift/telemetry/request-fields';
import { schemaServiceValidators } from '../request-validation.js';
import type { SchemaServiceServer } from '@fleetshift/contracts';
import { getSchemaVersion, listSchemaVersions } from '@fleetshift/control-store';
import { decodePageToken, NotFoundError, pageOf, pageSizeOf, pageSizes, unaryHandler } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';
import { pushSchemaVersion } from './push-schema-version.js';

export function schemaService(ctx: SchedulerContext): SchemaServiceServer {
  return validatedService<SchemaServiceServer>({
    pushSchemaVersion: unaryHandler('PushSchemaVersion', ctx.logger, (request) => pushSchemaVersion(ctx, request)),
    getSchemaVersion: unaryHandler('GetSchemaVersion', ctx.logger, async (request) => {
      const version = await getSchemaVersion(ctx.pool, request.blueprint, request.version);
      if (!version) throw new NotFoundError(`blueprint ${request.blueprint} has no version ${request.version || '(latest)'}`);
      return { version };
    }),
    listSchemaVersions: unaryHandler('ListSchemaVersions', ctx.logger, async (request) => {
      const filter = { blueprint: request.blueprint };
      const after = decodePageToken('ListSchemaVersions', filter, request.pageToken, ['n']);
      const size = pageSizeOf(request, pageSizes.max);
      const rows = await listSchemaVersions(ctx.pool, request.blueprint, { after: after?.[0] as number | undefined, limit: size + 1 });
      const page = pageOf(rows, size, 'ListSchemaVersions', filter, (version) => [version.version]);
      return { versions: page.items, nextPageToken: page.nextPageToken };
    }),
  }, schemaServiceValidators());
}
