import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findPostgres, waitFor } from '@fleetshift/testing';
import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';
import { fingerprint } from '../catalog/fingerprint.js';
import { SchemaInputError } from '../parse/schema-input-error.js';
import { loadDesiredSchema } from './load-desired-schema.js';
import { DEFAULT_SANDBOX, type SandboxOptions } from './sandbox.js';
import { SandboxTimeoutError } from './sandbox-errors.js';
import { SCRATCH_DATABASE_PREFIX, withScratchDatabase } from './scratch-database.js';

let serverUrl: string;
let admin: pg.Client;
/** This file's own sandbox group and scratch tag: its leftovers are found without racing other test files. */
const suffix = randomBytes(4).toString('hex');
const group = `fs_sbx_${suffix}`;
const tag = `sbx${suffix}`;
const sandbox: SandboxOptions = { ...DEFAULT_SANDBOX, group };

const sql = (text: string, filename = 'schema.sql'): SchemaSource => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename });
const load = (text: string, options: Partial<SandboxOptions> = {}, signal?: AbortSignal) =>
  loadDesiredSchema(sql(text), { scratchServerUrl: serverUrl, scratchTag: tag, sandbox: { ...sandbox, ...options }, signal });

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** A file on the database server's side (the server may not share this machine's file system). */
async function serverFileExists(path: string): Promise<boolean> {
  const { rows } = await admin.query<{ found: boolean }>('SELECT (pg_stat_file($1, true)).size IS NOT NULL AS found', [path]);
  return rows[0]!.found;
}

async function leftovers(): Promise<{ databases: string[]; roles: string[] }> {
  const databases = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${SCRATCH_DATABASE_PREFIX}${tag}\\_%`]);
  const roles = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${group}\\_%`]);
  return { databases: databases.rows.map((r) => r.datname), roles: roles.rows.map((r) => r.rolname) };
}

/** A matview whose query calls a PL/pgSQL function running `body` (dynamic SQL the parser never sees). */
function matviewCalling(body: string): string {
  return `CREATE FUNCTION attack() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
${body}
  RETURN 1;
END $fn$;
CREATE MATERIALIZED VIEW m AS SELECT attack() AS x;`;
}

/** A partition whose bound calls a PL/pgSQL function running `body`, evaluated when the partition is created. */
function partitionBoundCalling(body: string): string {
  return `CREATE FUNCTION attack() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
${body}
  RETURN 1;
END $fn$;
CREATE TABLE p (k int) PARTITION BY LIST (k);
CREATE TABLE p1 PARTITION OF p FOR VALUES IN (attack());`;
}

beforeAll(async () => {
  serverUrl = await findPostgres();
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
});

afterAll(async () => {
  const { databases, roles } = await leftovers();
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  for (const name of roles) await admin.query(`DROP ROLE IF EXISTS "${name}"`);
  await admin.query(`DROP ROLE IF EXISTS "${group}"`);
  await admin.query(`DROP ROLE IF EXISTS "${group}_granted"`);
  await admin?.end();
});

describe('the desired schema sandbox', () => {
  it('loads an ordinary schema as without it, and leaves no database or role behind', async () => {
    const text = `CREATE EXTENSION citext;
CREATE TABLE users (id bigint PRIMARY KEY, email citext NOT NULL UNIQUE);
CREATE FUNCTION n() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM users;`;
    const sandboxed = await load(text);
    const plain = await loadDesiredSchema(sql(text), { scratchServerUrl: serverUrl, scratchTag: tag });
    expect(fingerprint(sandboxed)).toBe(fingerprint(plain));
    expect(await leftovers()).toEqual({ databases: [], roles: [] });
  });

  it('runs the text as a login role of its own: no superuser, no membership but the group, sole owner of its database', async () => {
    const seen = await withScratchDatabase(
      serverUrl,
      async (client) => {
        const { rows } = await client.query(`SELECT r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
            current_setting('statement_timeout') AS statement_timeout,
            (SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
            (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS owner,
            (SELECT has_database_privilege('public', current_database(), 'CONNECT')) AS public_connect
          FROM pg_roles r WHERE r.rolname = current_user`);
        return rows[0];
      },
      { tag, sandbox: { ...sandbox, statementTimeoutMs: 4321 } },
    );
    expect(seen.rolname.startsWith(`${group}_`)).toBe(true);
    expect(seen).toMatchObject({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false, member_of: [group], owner: seen.rolname });
    expect(seen.statement_timeout).toBe('4321ms');
    expect(seen.public_connect).toBe(false);
    expect(await leftovers()).toEqual({ databases: [], roles: [] });
  });

  it('refuses COPY … TO PROGRAM run by a PL/pgSQL function a materialized view calls: no file is created', async () => {
    // Relative: the program runs in the server's data directory, where pg_stat_file looks too.
    const file = `fleetshift_sandbox_${suffix}_copy`;
    const text = matviewCalling(`  EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${file}''';`);
    const error = await failure(load(text));
    expect(error).toBeInstanceOf(SchemaInputError);
    // PostgreSQL 15's words, then 16's and later.
    expect(error.message).toMatch(
      /^schema\.sql:6:1: (must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program|permission denied to COPY to or from an external program)/,
    );
    expect(await serverFileExists(file)).toBe(false);
    // The same text outside the sandbox does run the program: the check above can see a file appear.
    await loadDesiredSchema(sql(text), { scratchServerUrl: serverUrl, scratchTag: tag });
    expect(await serverFileExists(file)).toBe(true);
    await admin.query(`COPY (SELECT 1) TO PROGRAM 'rm -f ${file}'`);
  });

  it('refuses pg_read_file in a materialized view without the file content in the error', async () => {
    const { rows } = await admin.query<{ content: string }>("SELECT pg_read_file('PG_VERSION') AS content");
    const content = rows[0]!.content.trim();
    const text = "CREATE MATERIALIZED VIEW m AS SELECT CAST('leak:' || pg_read_file('PG_VERSION') AS int) AS v;";
    const outside = await failure(loadDesiredSchema(sql(text), { scratchServerUrl: serverUrl, scratchTag: tag }));
    expect(outside.message).toContain(content); // the leak the sandbox closes
    const error = await failure(load(text));
    expect(error.message).toMatch(/^schema\.sql:1:\d+: permission denied for function pg_read_file/);
    expect(error.message).not.toContain(content);
  });

  it('cannot RESET ROLE, SET ROLE or SET SESSION AUTHORIZATION its way back to the privileged user', async () => {
    // A partition bound is evaluated when the partition is created, outside a security-restricted
    // operation (unlike a materialized view's query): under `SET ROLE` on the privileged session, this
    // RESET ROLE makes the rest of the function run as the superuser.
    const reset = await failure(load(partitionBoundCalling(`  EXECUTE 'RESET ROLE';
  EXECUTE 'RESET SESSION AUTHORIZATION';
  RAISE EXCEPTION 'user=% superuser=%', current_user, current_setting('is_superuser');`)));
    expect(reset.message).toMatch(new RegExp(`^schema\\.sql:9:1: user=${group}_[0-9a-f]{16} superuser=off`));
    const setRole = await failure(load(partitionBoundCalling(`  EXECUTE 'SET ROLE postgres';`)));
    expect(setRole.message).toMatch(/^schema\.sql:\d+:\d+: permission denied to set role "postgres"/);
    const setAuth = await failure(load(partitionBoundCalling(`  EXECUTE 'SET SESSION AUTHORIZATION postgres';`)));
    expect(setAuth.message).toMatch(/^schema\.sql:\d+:\d+: permission denied to set session authorization/);
    const topLevel = await failure(load('CREATE TABLE a (id int);\nSET ROLE postgres;'));
    expect(topLevel.message.startsWith('schema.sql:2:1: SET is not schema definition')).toBe(true);
  });

  it('refuses COPY and DO at their statement, before anything runs', async () => {
    expect((await failure(load("CREATE TABLE a (id int);\nCOPY a TO PROGRAM 'true';"))).message.startsWith('schema.sql:2:1: COPY is not schema definition')).toBe(true);
    expect((await failure(load("DO $$ BEGIN PERFORM 1; END $$;"))).message.startsWith('schema.sql:1:1: DO is not schema definition')).toBe(true);
  });

  it('refuses an extension outside the allow-list, and CASCADE, naming the statement', async () => {
    const refused = await failure(load('CREATE TABLE a (id int);\nCREATE EXTENSION adminpack;'));
    expect(refused.message).toBe(
      'schema.sql:2:1: CREATE EXTENSION adminpack is not allowed: a desired schema may create only these extensions: pgcrypto, citext, pg_trgm, btree_gist, btree_gin, uuid-ossp, hstore',
    );
    const cascade = await failure(load('CREATE EXTENSION citext CASCADE;'));
    expect(cascade.message.startsWith('schema.sql:1:25: CREATE EXTENSION citext … CASCADE is not accepted')).toBe(true);
    const narrowed = await failure(load('CREATE EXTENSION citext;', { allowedExtensions: ['pgcrypto'] }));
    expect(narrowed.message).toBe('schema.sql:1:1: CREATE EXTENSION citext is not allowed: a desired schema may create only these extensions: pgcrypto');
  });

  it('refuses functions in a language other than sql and plpgsql, at the LANGUAGE clause', async () => {
    const perl = await failure(load("CREATE TABLE a (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plperlu AS 'system(\"id\"); 1';"));
    expect(perl.message).toBe(
      'schema.sql:2:33: CREATE FUNCTION f in LANGUAGE plperlu is not accepted: functions of a desired schema must be LANGUAGE sql or plpgsql (other languages run code outside the database)',
    );
    const c = await failure(load("CREATE PROCEDURE p() AS 'libc', 'system' LANGUAGE c;"));
    expect(c.message.startsWith('schema.sql:1:42: CREATE PROCEDURE p in LANGUAGE c is not accepted')).toBe(true);
    const standard = await load('CREATE FUNCTION one() RETURNS int RETURN 1;');
    expect(standard.functions.map((f) => f.name)).toEqual(['one']);
  });

  it('stops a statement at statement_timeout and names it', async () => {
    const error = await failure(load('CREATE TABLE a (id int);\nCREATE MATERIALIZED VIEW slow AS SELECT 1 AS s FROM pg_sleep(600);', { statementTimeoutMs: 200 }));
    expect(error).toBeInstanceOf(SchemaInputError);
    expect(error.message).toBe(
      'schema.sql:2:1: canceling statement due to statement timeout: the statement ran longer than the scratch session allows',
    );
    expect(await leftovers()).toEqual({ databases: [], roles: [] });
  });

  it('terminates a session that catches its cancels and turns statement_timeout off, at the session bound', async () => {
    const marker = `sbx_loop_${suffix}`;
    const text = matviewCalling(`  PERFORM set_config('statement_timeout', '0', false);
  LOOP
    BEGIN
      PERFORM pg_sleep(600), '${marker}';
    EXCEPTION WHEN query_canceled THEN NULL;
    END;
  END LOOP;`);
    const error = await failure(load(text, { statementTimeoutMs: 100, sessionTimeoutMs: 1500 }));
    expect(error).toBeInstanceOf(SandboxTimeoutError);
    expect(error.message.startsWith('the sandbox stopped the scratch database after 1500 ms')).toBe(true);
    expect(await leftovers()).toEqual({ databases: [], roles: [] });
  });

  it('refuses a text over the size bound before parsing it', async () => {
    const error = await failure(load(`-- ${'x'.repeat(2048)}\nCREATE TABLE a (id int);`, { maxInputBytes: 1024 }));
    expect(error.message).toBe('schema.sql:1:1: the schema text is 2076 bytes (0.00 MiB); at most 1024 bytes (0.00 MiB) are accepted');
  });

  it('stops the running statement when the caller aborts: the backend query disappears', async () => {
    const marker = `sbx_abort_${suffix}`;
    const controller = new AbortController();
    const loading = failure(load(`CREATE MATERIALIZED VIEW slow AS SELECT 1 AS s, '${marker}' AS marker FROM pg_sleep(600);`, { statementTimeoutMs: 600_000 }, controller.signal));
    const running = () => admin.query('SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()', [`%${marker}%`]);
    await waitFor('the slow statement runs', async () => (await running()).rowCount === 1);
    controller.abort(new Error('the caller went away'));
    expect((await loading).message).toBe('the caller went away');
    await waitFor('the slow statement is gone', async () => (await running()).rowCount === 0);
    expect(await leftovers()).toEqual({ databases: [], roles: [] });
  });

  it('refuses a sandbox group that is a member of another role, naming it', async () => {
    const granted = `${group}_granted`;
    await admin.query(`CREATE ROLE "${granted}" NOLOGIN`);
    await admin.query(`GRANT pg_read_server_files TO "${granted}"`);
    const error = await failure(load('CREATE TABLE a (id int);', { group: granted }));
    expect(error.message).toBe(
      `sandbox role ${granted} is a member of pg_read_server_files: every sandbox would get those privileges; REVOKE "pg_read_server_files" FROM "${granted}"`,
    );
  });
});
