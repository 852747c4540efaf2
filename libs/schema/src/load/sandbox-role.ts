import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent, quoteLiteral } from '@fleetshift/sql-quote';
import { scramSha256Verifier } from './scram-verifier.js';

/** The group's name leaves room for `_<16 hex digits>` within PostgreSQL's 63-byte identifiers. */
const GROUP_NAME = /^[a-z_][a-z0-9_]{0,45}$/;

/** Servers (URL + group) whose sandbox group was checked by this process: once each, shared by concurrent callers. */
const groupsReady = new Map<string, Promise<void>>();

/** A login role made for one scratch database, with the password to connect as it. */
export interface LoadRole {
  name: string;
  password: string;
}

/**
 * Makes sure the sandbox group exists and carries nothing a member could use: NOLOGIN, not a superuser,
 * no CREATEDB/CREATEROLE/REPLICATION/BYPASSRLS (set again on every start, in case someone changed them),
 * and a member of no role — a group granted pg_read_server_files, pg_execute_server_program,
 * pg_write_server_files or any other role would hand that to every sandbox, so that is refused, naming it.
 */
export function ensureSandboxGroup(admin: pg.ClientBase, serverKey: string, group: string): Promise<void> {
  const key = `${serverKey}\n${group}`;
  let ready = groupsReady.get(key);
  if (!ready) {
    ready = prepareGroup(admin, group);
    groupsReady.set(key, ready);
    ready.catch(() => groupsReady.delete(key));
  }
  return ready;
}

async function prepareGroup(admin: pg.ClientBase, group: string): Promise<void> {
  if (!GROUP_NAME.test(group)) {
    throw new Error(`sandbox role ${JSON.stringify(group)} must be 1-46 of a-z, 0-9, _ (not starting with a digit)`);
  }
  const attributes = 'NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [group]);
  if (rowCount === 0) {
    await admin.query(`CREATE ROLE ${quoteIdent(group)} ${attributes}`).catch((error: unknown) => {
      // Another planner created it between the check and here.
      if (!(error instanceof pg.DatabaseError && error.code === '42710')) throw error;
    });
  }
  await admin.query(`ALTER ROLE ${quoteIdent(group)} ${attributes}`);
  const { rows } = await admin.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
      WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY r.rolname`,
    [group],
  );
  if (rows.length > 0) {
    const roles = rows.map((r) => r.rolname).join(', ');
    throw new Error(
      `sandbox role ${group} is a member of ${roles}: every sandbox would get those privileges; ` +
        `REVOKE ${rows.map((r) => quoteIdent(r.rolname)).join(', ')} FROM ${quoteIdent(group)}`,
    );
  }
}

/**
 * A login role for one scratch database: member of the group only, with a random password given to the
 * server as a SCRAM verifier. A role per database (rather than one shared login role) means one caller's
 * text cannot see another's queries in pg_stat_activity, signal its backend, or change a session default
 * (`ALTER ROLE … SET`, allowed on oneself) or the password the next load would need.
 */
export async function createLoadRole(admin: pg.ClientBase, group: string): Promise<LoadRole> {
  const name = `${group}_${randomBytes(8).toString('hex')}`;
  const password = randomBytes(24).toString('hex');
  await admin.query(
    `CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
      `PASSWORD ${quoteLiteral(scramSha256Verifier(password))} IN ROLE ${quoteIdent(group)}`,
  );
  return { name, password };
}

/**
 * Hands a scratch database to its load role: the role owns it, nobody else may connect, and its sessions
 * start with the sandbox's statement_timeout (also when the server URL's own options name another).
 */
export async function giveDatabaseTo(admin: pg.ClientBase, database: string, role: string, statementTimeoutMs: number): Promise<void> {
  const db = quoteIdent(database);
  await admin.query(
    `ALTER DATABASE ${db} OWNER TO ${quoteIdent(role)}; REVOKE ALL ON DATABASE ${db} FROM PUBLIC; ` +
      `ALTER DATABASE ${db} SET statement_timeout = ${Math.max(1, Math.trunc(statementTimeoutMs))}`,
  );
}

/** Drops a load role once its database is gone (it owns nothing else: it could create nothing outside it). */
export async function dropLoadRole(admin: pg.ClientBase, role: string): Promise<void> {
  await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
}
