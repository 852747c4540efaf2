import pg from 'pg';
import { introspect, SchemaNotFoundError, type Catalog } from '@fleetshift/schema';
import { redactUrl } from '@fleetshift/telemetry';
import { connectionFailureReason, isConnectionFailure } from '@fleetshift/tenant-connection';
import { badInput } from '../cli-error.js';

/** How long `--from <postgres-url>` waits for a connection before it calls the database unreachable. */
const connectTimeoutMs = 10_000;

/**
 * Introspects a live database (the whole database, or one schema of it). An unreachable database or a
 * missing schema is bad input naming the URL without its password.
 */
export async function introspectLiveDatabase(url: string, schema: string | undefined): Promise<Catalog> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, application_name: 'fleetshift-cli' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw badInput(`--from ${redactUrl(url)}: cannot connect: ${connectionFailureReason(error)}`);
  }
  try {
    return await introspect(client, { schema });
  } catch (error) {
    if (error instanceof SchemaNotFoundError) throw badInput(`--from ${redactUrl(url)}: ${error.message}`);
    if (isConnectionFailure(error)) throw badInput(`--from ${redactUrl(url)}: connection lost: ${connectionFailureReason(error)}`);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

