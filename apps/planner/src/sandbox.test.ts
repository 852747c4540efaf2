import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerClient, SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { findPostgres, startService, waitFor, type ServiceProcess } from '@fleetshift/testing';
import { grpcError, plannerTestClient } from './testing/planner-client.js';

const suffix = randomBytes(4).toString('hex');
/** This file's planner has its own sandbox group, so its load roles are told from other test files'. */
const group = `fs_psbx_${suffix}`;
const sql = (text: string, filename = 'v9.sql'): SchemaSource => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename });

let service: ServiceProcess;
let client: ReturnType<typeof plannerTestClient>;
let address: string;
let admin: pg.Client;

beforeAll(async () => {
  const serverUrl = await findPostgres();
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  service = await startService('planner', {
    FLEETSHIFT_SCRATCH_PG_URL: serverUrl,
    FLEETSHIFT_SANDBOX_ROLE: group,
    FLEETSHIFT_MAX_SCHEMA_BYTES: '4096',
    // Long enough that only the cancelled call can be what stops the statement in the cancel test.
    FLEETSHIFT_SANDBOX_STATEMENT_TIMEOUT_MS: '600000',
  });
  address = `127.0.0.1:${service.grpcPort}`;
  client = plannerTestClient(address);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  // Left by a failed test only: a load role owns its scratch database until both are dropped.
  const databases = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) LIKE $1',
    [`${group}\\_%`],
  );
  for (const { datname } of databases.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${group}%`]);
  for (const { rolname } of rows.filter((r) => r.rolname !== group)) await admin.query(`DROP ROLE IF EXISTS "${rolname}"`);
  await admin.query(`DROP ROLE IF EXISTS "${group}"`);
  await admin?.end();
});

async function serverFileExists(path: string): Promise<boolean> {
  const { rows } = await admin.query<{ found: boolean }>('SELECT (pg_stat_file($1, true)).size IS NOT NULL AS found', [path]);
  return rows[0]!.found;
}

describe('planner: desired schemas run in the sandbox', () => {
  it('answers INVALID_ARGUMENT to COPY … TO PROGRAM in a function a materialized view calls, and runs no program', async () => {
    const file = `fleetshift_planner_sandbox_${suffix}`;
    const text = `CREATE FUNCTION attack() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${file}''';
  RETURN 1;
END $fn$;
CREATE MATERIALIZED VIEW m AS SELECT attack() AS x;`;
    const error = await grpcError(client.validateSchema({ schema: sql(text), schemaName: '' }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^v9\.sql:6:1: (must be superuser or have privileges of the pg_execute_server_program role|permission denied to COPY to or from an external program)/); // PostgreSQL 15, then 16+
    expect(await serverFileExists(file)).toBe(false);
  });

  it('answers INVALID_ARGUMENT to an extension outside the allow-list and to an untrusted language, naming the statement', async () => {
    const extension = await grpcError(client.diff({ from: undefined, to: sql('CREATE TABLE a (id int);\nCREATE EXTENSION file_fdw;'), schema: '', allowHazards: [] }));
    expect(extension.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(extension.details.startsWith('v9.sql:2:1: CREATE EXTENSION file_fdw is not allowed: a desired schema may create only these extensions: pgcrypto')).toBe(true);
    const language = await grpcError(
      client.validateSchema({ schema: sql("CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS 'import os'"), schemaName: '' }),
    );
    expect(language.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(language.details.startsWith('v9.sql:1:33: CREATE FUNCTION f in LANGUAGE plpython3u is not accepted')).toBe(true);
  });

  it('answers INVALID_ARGUMENT to a text over FLEETSHIFT_MAX_SCHEMA_BYTES', async () => {
    const error = await grpcError(client.validateSchema({ schema: sql(`-- ${'x'.repeat(5000)}\nCREATE TABLE a (id int);`), schemaName: '' }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe('v9.sql:1:1: the schema text is 5028 bytes (0.00 MiB); at most 4096 bytes (0.00 MiB) are accepted');
  });

  it('stops the scratch statement when the call is cancelled: the backend query disappears', async () => {
    const marker = `planner_cancel_${suffix}`;
    const raw = plannerClient(address);
    let seenAs = '';
    const running = async () =>
      (await admin.query<{ usename: string }>('SELECT usename FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()', [`%${marker}%`])).rows;
    try {
      const ended = new Promise<grpc.ServiceError | null>((resolve) => {
        const call = raw.validateSchema(
          { schema: sql(`CREATE MATERIALIZED VIEW slow AS SELECT 1 AS s, '${marker}' AS marker FROM pg_sleep(600);`), schemaName: '' },
          (error) => resolve(error),
        );
        void waitFor('the slow statement runs', async () => (await running())[0]).then((row) => {
          seenAs = row.usename;
          call.cancel();
        });
      });
      const error = await ended;
      expect(error?.code).toBe(grpc.status.CANCELLED);
      await waitFor('the slow statement is gone', async () => (await running()).length === 0);
      await waitFor('its load role is dropped', async () => (await admin.query('SELECT 1 FROM pg_roles WHERE rolname LIKE $1', [`${group}\\_%`])).rowCount === 0);
      expect(seenAs).toMatch(new RegExp(`^${group}_[0-9a-f]{16}$`));
    } finally {
      raw.close();
    }
  });
});
