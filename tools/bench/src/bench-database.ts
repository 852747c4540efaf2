import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl } from '@fleetshift/testing';

/** A throwaway database holding one side of a benchmark. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Statements per transaction when loading a schema: one transaction holding the locks of thousands of
 * new relations exhausts max_locks_per_transaction ("out of shared memory").
 */
const statementsPerBatch = 200;

/**
 * Creates a database named fleetshift_bench_<label>_<random> on the server and runs the DDL statements
 * in it, in batches (each one simple-protocol query). Dropped WITH (FORCE) by drop().
 */
export async function createBenchDatabase(serverUrl: string, label: string, ddl: string[]): Promise<BenchDatabase> {
  const name = `fleetshift_bench_${label}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = databaseUrl(serverUrl, name);
  const drop = () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  try {
    await runBatches(url, ddl);
  } catch (error) {
    await drop();
    throw new Error(`cannot load the generated ${label} schema into ${name}: ${(error as Error).message}`, { cause: error });
  }
  return { name, url, drop };
}

async function runBatches(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'fleetshift-bench' });
  await client.connect();
  try {
    for (let i = 0; i < statements.length; i += statementsPerBatch) {
      await client.query(statements.slice(i, i + statementsPerBatch).join('\n'));
    }
  } finally {
    await client.end();
  }
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'fleetshift-bench' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
