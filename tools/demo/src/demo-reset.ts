import { jetstreamManager } from '@nats-io/jetstream';
import { busNames, connectBus } from '@fleetshift/bus';
import { quoteIdent } from '@fleetshift/sql-quote';
import pg from 'pg';

/**
 * Removes what an earlier demo left, so every run starts from the same place: the demo's control-plane
 * database, the blueprint's tenant databases ({blueprint}__*, and {blueprint} when it carries the
 * fleetshift bookkeeping schema), and the demo's NATS namespace. Touches nothing else.
 */
export async function resetDemo(serverUrl: string, controlDatabase: string, blueprint: string, natsUrl: string, namespace: string): Promise<number> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 ESCAPE '!' OR datname = $2 ORDER BY datname`,
      [`${blueprint}!_!_%`, controlDatabase],
    );
    const names = rows.map((row) => row.datname);
    if (await sharedDatabaseIsOurs(serverUrl, blueprint)) names.push(blueprint);
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await purgeNamespace(natsUrl, namespace);
    return names.length;
  } finally {
    await client.end();
  }
}

async function sharedDatabaseIsOurs(serverUrl: string, database: string): Promise<boolean> {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
    const { rowCount } = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'fleetshift'`);
    return rowCount === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function purgeNamespace(natsUrl: string, namespace: string): Promise<void> {
  const names = busNames(namespace);
  const nc = await connectBus(natsUrl, 'fleetshift-demo-reset');
  try {
    const jsm = await jetstreamManager(nc);
    const streams = [names.batchStream, names.resultStream, `KV_${names.throttleBucket}`, `KV_${names.rolloutBucket}`, `OBJ_${names.planBucket}`];
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
